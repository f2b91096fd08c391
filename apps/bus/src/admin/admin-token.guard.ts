import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { BUS_OPTIONS, type BusOptions } from '../bus.options';
import { ApiError } from '../common/api-error';
import { secretsMatch } from '../common/constant-time';

/**
 * Every /admin endpoint needs `Authorization: Bearer <ADMIN_TOKEN>`. With no ADMIN_TOKEN set the
 * admin API stays closed rather than open: an operator must choose a token to use it.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly token: string | undefined;

  constructor(@Inject(BUS_OPTIONS) options: BusOptions) {
    this.token = options.env.ADMIN_TOKEN;
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers.authorization;
    const presented = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (!this.token) {
      throw new ApiError(401, 'ADMIN.DISABLED', 'The admin API is closed: start the bus with ADMIN_TOKEN set to use it.');
    }
    if (!secretsMatch(presented, this.token)) {
      throw new ApiError(401, 'ADMIN.UNAUTHORIZED', 'Missing or wrong admin token: send "Authorization: Bearer <ADMIN_TOKEN>".');
    }
    return true;
  }
}
