import { Controller, Get, Inject, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard, type AdminRequest } from '../admin/admin-token.guard';
import { Role } from '../admin/role.decorator';
import { BUS_STORE, type BusStore } from '../store/bus-store';
import { AuditSearchDto } from './dto/console.dto';
import { OverviewService } from './overview.service';

/** What the operator console reads besides the admin API it shares with scripts. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminTokenGuard)
@Controller('admin')
export class ConsoleController {
  constructor(
    private readonly overviews: OverviewService,
    @Inject(BUS_STORE) private readonly store: BusStore,
  ) {}

  @Get('me')
  @Role('viewer')
  @ApiOperation({ summary: 'The caller: token name and role (viewer, operator, admin)' })
  me(@Req() request: AdminRequest) {
    return request.principal;
  }

  @Get('console/overview')
  @Role('viewer')
  @ApiOperation({ summary: 'Systems and routes; per destination health, queue depth, in flight, rates, dead letters, oldest waiting; broker; config version; route objectives' })
  overview() {
    return this.overviews.overview();
  }

  @Get('audit')
  @Role('viewer')
  @ApiOperation({ summary: 'The audit trail, newest first: who changed what, when, why, and how it ended' })
  audit(@Query() query: AuditSearchDto) {
    return this.store.listAudit(query);
  }
}
