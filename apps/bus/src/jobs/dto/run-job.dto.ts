import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { RUN_KEY_PATTERN } from '../run-key';

/** `POST /admin/jobs/{name}/run`: which run, and whether to send a completed run key again. */
export class RunJobDto {
  @ApiPropertyOptional({ description: 'The run key; a key that completed sends nothing new. Default: the day, e.g. 2026-12-04 (job time zone, else UTC)', example: 'contract-2026-12' })
  @IsOptional() @IsString() @Matches(RUN_KEY_PATTERN, { message: 'runKey: letters, digits and ._:- only, starting with a letter or digit, at most 64 characters' })
  runKey?: string;

  @ApiPropertyOptional({ description: 'Send every letter and notice of a completed run key again (a new pass); effects of unknown outcome still wait for an operator' })
  @IsOptional() @IsBoolean()
  force?: boolean;
}
