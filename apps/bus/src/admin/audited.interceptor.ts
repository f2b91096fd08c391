import { type CallHandler, type ExecutionContext, HttpException, Inject, Injectable, Logger, type NestInterceptor, SetMetadata, UseInterceptors, applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, from, mergeMap, type Observable, throwError } from 'rxjs';
import { BUS_STORE, type AuditInput, type BusStore } from '../store/bus-store';
import type { AdminRequest } from './admin-token.guard';

const AUDITED_KEY = 'bus:audited';

interface AuditedRequest extends AdminRequest {
  params: Record<string, string>;
  body?: Record<string, unknown>;
}

/** How one action is written to the audit trail. */
export interface AuditSpec {
  action: string;
  /** Route parameter naming what was acted on (`id`, `name`). */
  target?: string;
  /** What of the request and answer to keep, e.g. a bulk filter or an edit's diff. */
  details?: (body: Record<string, unknown>, result: unknown) => Record<string, unknown> | undefined;
}

/** Marks a changing admin route: each call, done or refused, is written to the audit trail (who, when, what, why). */
export const Audited = (spec: AuditSpec) => applyDecorators(SetMetadata(AUDITED_KEY, spec), UseInterceptors(AuditInterceptor));

/**
 * Writes the audit entry after the action, with its outcome: `ok`, or the error code it was refused
 * with. The entry is written before the answer is sent, so an operator who saw the answer finds it in
 * the trail; an audit write that fails is logged and does not undo or hide the action's answer.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger('audit');

  constructor(
    private readonly reflector: Reflector,
    @Inject(BUS_STORE) private readonly store: BusStore,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AuditSpec | undefined>(AUDITED_KEY, context.getHandler());
    if (!spec) return next.handle();
    const request = context.switchToHttp().getRequest<AuditedRequest>();
    const write = (outcome: string, result?: unknown) => this.write(spec, request, outcome, result);
    return next.handle().pipe(
      mergeMap((result) => from(write('ok', result).then(() => result))),
      catchError((err: unknown) => from(write(codeOf(err))).pipe(mergeMap(() => throwError(() => err)))),
    );
  }

  private async write(spec: AuditSpec, request: AuditedRequest, outcome: string, result?: unknown): Promise<void> {
    const body = request.body ?? {};
    const entry: AuditInput = {
      actor: request.principal?.name ?? 'unknown',
      role: request.principal?.role ?? 'unknown',
      action: spec.action,
      target: spec.target ? request.params?.[spec.target] : undefined,
      reason: typeof body.reason === 'string' ? body.reason : undefined,
      details: spec.details?.(body, result),
      outcome,
    };
    await this.store.recordAudit(entry).catch((err: Error) =>
      this.logger.error(`Audit entry for ${entry.action} by ${entry.actor} (${entry.target ?? 'no target'}, ${outcome}) could not be written: ${err.message}. Check the store.`),
    );
  }
}

function codeOf(err: unknown): string {
  if (err instanceof HttpException) {
    const body = err.getResponse() as { code?: string };
    return typeof body === 'object' && body?.code ? body.code : `HTTP.${err.getStatus()}`;
  }
  return 'ERROR';
}
