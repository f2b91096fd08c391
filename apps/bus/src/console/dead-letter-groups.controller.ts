import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from '../admin/admin-token.guard';
import { Audited } from '../admin/audited.interceptor';
import { Role } from '../admin/role.decorator';
import { DeadLetterGroupsService } from './dead-letter-groups.service';
import { EditDeadLetterDto, GroupDiscardDto, GroupFilterDto, SelectionDiscardDto, SelectionDto } from './dto/console.dto';

const ids = (body: Record<string, unknown>, result: unknown) => ({ ids: body.ids, result });

/** Dead letters grouped by fault, replayed or discarded by group or selection, and edit-and-retry. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminTokenGuard)
@Controller('admin/dead-letters')
export class DeadLetterGroupsController {
  constructor(private readonly groups: DeadLetterGroupsService) {}

  @Get('groups')
  @Role('viewer')
  @ApiOperation({ summary: 'Open dead letters grouped by fault (error code, destination, type, normalised message) with counts and first/last seen' })
  list(@Query() filter: GroupFilterDto) {
    return this.groups.groups(filter);
  }

  @Post('groups/:key/replay')
  @HttpCode(200)
  @Role('operator')
  @Audited({ action: 'dead-letter.replay-group', target: 'key', details: (_body, result) => ({ result }) })
  @ApiOperation({ summary: 'Replay every open dead letter of a group, each once: {done, skipped, failed}' })
  async replayGroup(@Param('key') key: string) {
    return this.groups.replaySelection(await this.groups.idsOfGroup(key));
  }

  @Post('groups/:key/discard')
  @HttpCode(200)
  @Role('operator')
  @Audited({ action: 'dead-letter.discard-group', target: 'key', details: (_body, result) => ({ result }) })
  @ApiOperation({ summary: 'Discard every open dead letter of a group, with a reason' })
  async discardGroup(@Param('key') key: string, @Body() body: GroupDiscardDto) {
    return this.groups.discardSelection(await this.groups.idsOfGroup(key), body.reason);
  }

  @Post('selection-replay')
  @HttpCode(200)
  @Role('operator')
  @Audited({ action: 'dead-letter.replay-selection', details: ids })
  @ApiOperation({ summary: 'Replay the dead letters named in ids, each once' })
  replaySelection(@Body() body: SelectionDto) {
    return this.groups.replaySelection(body.ids);
  }

  @Post('selection-discard')
  @HttpCode(200)
  @Role('operator')
  @Audited({ action: 'dead-letter.discard-selection', details: ids })
  @ApiOperation({ summary: 'Discard the dead letters named in ids, with a reason' })
  discardSelection(@Body() body: SelectionDiscardDto) {
    return this.groups.discardSelection(body.ids, body.reason);
  }

  @Post(':id/edit')
  @HttpCode(200)
  @Role('admin')
  @Audited({ action: 'dead-letter.edit', target: 'id', details: (_body, result) => ({ diff: (result as { diff?: unknown } | undefined)?.diff }) })
  @ApiOperation({ summary: 'Edit-and-retry: validate a corrected canonical payload, then replay the entry with it (one compare-and-set); 422 with every field problem' })
  edit(@Param('id') id: string, @Body() body: EditDeadLetterDto) {
    return this.groups.editAndReplay(id, body.payload);
  }
}
