import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { Role } from '../admin/role.decorator';
import { Audited } from '../admin/audited.interceptor';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from '../admin/admin-token.guard';
import { JobEffectSearchDto, ResolveEffectsDto } from './dto/job-effects.dto';
import { RunJobDto } from './dto/run-job.dto';
import { JobsService } from './jobs.service';

/** Batch jobs (mail merge) for operators; behind the admin token like every /admin route. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminTokenGuard)
@Controller('admin/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post(':name/run')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start (or resume) a run of a job; only the instance holding its lease runs it',
    description: 'Body {runKey?, force?}. A run key that completed sends nothing new: 409 JOB.RUN_KEY_COMPLETED names the key and when it completed, unless force (a new pass; effects of unknown outcome stay). Default run key: the day.',
  })
  @Role('operator')
  @Audited({ action: 'job.run', target: 'name', details: (body) => ({ runKey: body.runKey, force: body.force }) })
  run(@Param('name') name: string, @Body() body: RunJobDto) {
    return this.jobs.run(name, body);
  }

  @Post(':name/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Process again only the recipients that failed in the latest run' })
  @Role('operator')
  @Audited({ action: 'job.retry', target: 'name' })
  retry(@Param('name') name: string) {
    return this.jobs.retryFailed(name);
  }

  @Post(':name/stop')
  @HttpCode(202)
  @ApiOperation({ summary: 'Stop the running batch; the next start resumes it without duplicates' })
  @Role('operator')
  @Audited({ action: 'job.stop', target: 'name' })
  stop(@Param('name') name: string) {
    return this.jobs.stop(name);
  }

  @Get(':name/effects')
  @ApiOperation({ summary: 'The ledger of prints and e-mails, e.g. ?state=unknown: what a crash left for an operator to decide' })
  @Role('viewer')
  effects(@Param('name') name: string, @Query() query: JobEffectSearchDto) {
    return this.jobs.effects(name, query);
  }

  @Post(':name/effects/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Decide effects of unknown outcome: "send" sends each once now, "done" marks it done; with a reason' })
  @Role('operator')
  @Audited({ action: 'job.effects-resolve', target: 'name', details: (body) => ({ action: body.action, runKey: body.runKey, effects: body.effects }) })
  resolve(@Param('name') name: string, @Body() body: ResolveEffectsDto) {
    return this.jobs.resolve(name, body);
  }

  @Get(':name')
  @ApiOperation({ summary: 'State, run key, counts (total, printed, e-mailed, failed), effects by state, unknown effects, throughput, ETA, failures with reasons' })
  @Role('viewer')
  progress(@Param('name') name: string) {
    return this.jobs.progress(name);
  }
}
