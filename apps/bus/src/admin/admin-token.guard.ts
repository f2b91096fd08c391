import { ErrorCodes } from '@bus/canonical-model';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { BUS_OPTIONS, type BusOptions } from '../bus.options';
import { ApiError } from '../common/api-error';
import { secretsMatch } from '../common/constant-time';
import { type AdminPrincipal, type AdminRole, loadNamedTokens, type NamedToken, roleAllows } from './admin-principals';
import { ROLE_KEY } from './role.decorator';

/** The request as the guard sees it; `principal` is set for every admitted call. */
export interface AdminRequest {
  headers: Record<string, string | undefined>;
  principal?: AdminPrincipal;
}

/**
 * Every /admin endpoint needs `Authorization: Bearer <token>` of a named token (ADMIN_TOKEN,
 * ADMIN_TOKENS, ADMIN_TOKENS_FILE) whose role covers the route's `@Role(...)`. With no token set the
 * admin API stays closed rather than open: an operator must choose a token to use it.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly tokens: NamedToken[];

  constructor(
    @Inject(BUS_OPTIONS) options: BusOptions,
    private readonly reflector: Reflector,
  ) {
    this.tokens = loadNamedTokens(options.env);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const header = request.headers.authorization;
    const presented = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (this.tokens.length === 0) {
      throw new ApiError(401, 'ADMIN.DISABLED', 'The admin API is closed: start the bus with ADMIN_TOKEN, ADMIN_TOKENS or ADMIN_TOKENS_FILE set to use it.');
    }
    // Every token is compared, so the time taken does not tell which one nearly matched.
    const matches = this.tokens.filter((t) => secretsMatch(presented, t.token));
    if (matches.length === 0) {
      throw new ApiError(401, 'ADMIN.UNAUTHORIZED', 'Missing or wrong admin token: send "Authorization: Bearer <token>".');
    }
    const { name, role } = matches[0];
    const needed = this.reflector.getAllAndOverride<AdminRole | undefined>(ROLE_KEY, [context.getHandler(), context.getClass()]) ?? 'admin';
    if (!roleAllows(role, needed)) {
      throw new ApiError(403, ErrorCodes.ADMIN_FORBIDDEN, `Token "${name}" has role ${role}; this action needs ${needed}. Ask an administrator for a token with that role.`);
    }
    request.principal = { name, role };
    return true;
  }
}
