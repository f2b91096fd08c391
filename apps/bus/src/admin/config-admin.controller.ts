import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConfigHistoryService } from '../config/config-history.service';
import { AdminTokenGuard } from './admin-token.guard';
import { ConfigApplyDto, ConfigHistoryQueryDto, ConfigRollbackDto } from './dto/config-change.dto';
import { principalOf } from './principal';
import { Role } from './role.decorator';
import { Audited } from './audited.interceptor';

/** Config versions: the history, one version's content, apply and rollback (what `bpi-bus` calls). */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminTokenGuard)
@Controller('admin/config')
export class ConfigAdminController {
  constructor(private readonly history: ConfigHistoryService) {}

  @Get('history')
  @Role('viewer')
  @ApiOperation({ summary: 'Every applied config version, newest first: who, when, why, how (startup, watch, reload, apply, rollback)' })
  list(@Query() query: ConfigHistoryQueryDto) {
    return this.history.history(query);
  }

  @Get('versions/:version')
  @Role('viewer')
  @ApiOperation({ summary: "One version's content: bus.yaml and every mapping and template, by path" })
  version(@Param('version') version: string) {
    return this.history.version(version);
  }

  @Post('apply')
  @HttpCode(200)
  @Role('admin')
  @Audited({ action: 'config.apply', details: (_body, result) => ({ version: (result as { version?: string } | undefined)?.version }) })
  @ApiOperation({ summary: 'Write a whole version into the config folder and apply it; 409 when the running version is not expectedVersion, 422 with every problem' })
  apply(@Body() body: ConfigApplyDto, @Req() request: unknown) {
    return this.history.apply(body.files, { reason: body.reason, trigger: 'apply', appliedBy: principalOf(request).name }, body.expectedVersion);
  }

  @Post('rollback')
  @HttpCode(200)
  @Role('admin')
  @Audited({ action: 'config.rollback', details: (body) => ({ version: (body as { version?: string }).version }) })
  @ApiOperation({ summary: 'Apply a version from the history again; 404 when unknown, 409 when the running version is not expectedVersion' })
  rollback(@Body() body: ConfigRollbackDto, @Req() request: unknown) {
    return this.history.rollback(body.version, { reason: body.reason, trigger: 'rollback', appliedBy: principalOf(request).name }, body.expectedVersion);
  }
}
