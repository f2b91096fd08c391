import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { Role } from './role.decorator';
import { Audited } from './audited.interceptor';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from './admin-token.guard';
import { AdminService } from './admin.service';
import { BulkReplayDto, DeadLetterSearchDto } from './dto/dead-letter-search.dto';
import { DiscardDto, ReplayDto } from './dto/discard.dto';
import { MessageSearchDto } from './dto/message-search.dto';
import { principalOf } from './principal';

/** Operators' API; every route needs `Authorization: Bearer <ADMIN_TOKEN>`. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminTokenGuard)
@Controller('admin')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get('config')
  @ApiOperation({ summary: 'Active config version (hash, loaded at), last rejected change, redacted config' })
  @Role('viewer')
  config() {
    return this.admin.configStatus();
  }

  @Post('config/reload')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reload bus.yaml and its mappings now; answers with the plan applied (with ?dryRun=true: the plan only, nothing applied), or 422 with every problem' })
  @Role('admin')
  @Audited({ action: 'config.reload', details: (_body, result) => ({ version: (result as { version?: string } | undefined)?.version }) })
  reload(@Query('dryRun') dryRun: string | undefined, @Req() request: unknown) {
    return this.admin.reload(principalOf(request).name, dryRun === 'true');
  }

  @Get('adapters')
  @ApiOperation({ summary: 'Every system: adapter kind, capabilities, maturity, redacted settings, health' })
  @Role('viewer')
  adapters() {
    return this.admin.adapters();
  }

  @Get('routes')
  @Role('viewer')
  routes() {
    return this.admin.routes();
  }

  @Get('messages')
  @ApiOperation({ summary: 'Search the journal (newest first, keyset-paginated)' })
  @Role('viewer')
  messages(@Query() query: MessageSearchDto) {
    return this.admin.searchMessages(query);
  }

  @Get('messages/:id')
  @ApiOperation({ summary: "A message's whole history: received, routed, every attempt per destination, final state" })
  @Role('viewer')
  message(@Param('id') id: string) {
    return this.admin.message(id);
  }

  @Get('files/:sha256')
  @ApiOperation({ summary: "A dropped file's ledger entry by content hash: status, reader and lease while it is read, last checkpoint" })
  file(@Param('sha256') sha256: string) {
    return this.admin.file(sha256);
  }

  @Get('dead-letters')
  @Role('viewer')
  deadLetters(@Query() query: DeadLetterSearchDto) {
    return this.admin.deadLetters(query);
  }

  @Post('dead-letters/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replay every dead letter matching the filter, each once: {replayed, skipped (taken by another replay or a discard), failed}' })
  @Role('operator')
  @Audited({ action: 'dead-letter.replay-matching', details: (body, result) => ({ filter: body, result }) })
  replayMatching(@Body() filter: BulkReplayDto) {
    return this.admin.replayMatching(filter);
  }

  @Post('dead-letters/:id/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send one dead letter again, to its destination only; 409 when already replayed, discarded or being replayed' })
  @Role('operator')
  @Audited({ action: 'dead-letter.replay', target: 'id', details: (body) => (body.native !== undefined ? { correctedNative: true } : undefined) })
  replay(@Param('id') id: string, @Body() body: ReplayDto) {
    return this.admin.replay(id, body?.native);
  }

  @Post('dead-letters/:id/discard')
  @HttpCode(200)
  @ApiOperation({ summary: 'Discard a dead letter with a reason; it stays in the journal' })
  @Role('operator')
  @Audited({ action: 'dead-letter.discard', target: 'id' })
  discard(@Param('id') id: string, @Body() body: DiscardDto) {
    return this.admin.discard(id, body.reason);
  }
}
