import { Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from '../admin/admin-token.guard';
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
  @ApiOperation({ summary: 'Start (or resume) a job now; only the instance holding its lease runs it' })
  run(@Param('name') name: string) {
    return this.jobs.run(name);
  }

  @Post(':name/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Process again only the recipients that failed in the latest run' })
  retry(@Param('name') name: string) {
    return this.jobs.retryFailed(name);
  }

  @Post(':name/stop')
  @HttpCode(202)
  @ApiOperation({ summary: 'Stop the running batch; the next start resumes it without duplicates' })
  stop(@Param('name') name: string) {
    return this.jobs.stop(name);
  }

  @Get(':name')
  @ApiOperation({ summary: 'State, counts (total, printed, e-mailed, failed), throughput, ETA, failures with reasons' })
  progress(@Param('name') name: string) {
    return this.jobs.progress(name);
  }
}
