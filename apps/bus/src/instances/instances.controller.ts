import { Controller, Get, UseGuards } from '@nestjs/common';
import { Role } from '../admin/role.decorator';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from '../admin/admin-token.guard';
import { InstancesService } from './instances.service';

/** `GET /admin/instances`: the bus instances this one hears on its broker namespace. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminTokenGuard)
@Controller('admin')
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Role('viewer')
  @Get('instances')
  @ApiOperation({ summary: 'This instance and the live peers on the same broker namespace: instance id, store id, config version, last heard' })
  list() {
    const conflict = this.instances.conflict();
    return {
      instanceId: this.instances.instanceId,
      storeId: this.instances.ownStoreId,
      instances: this.instances.list(),
      ...(conflict ? { storeMismatch: conflict } : {}),
    };
  }
}
