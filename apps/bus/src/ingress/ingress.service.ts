import { HttpException, Injectable, Logger } from '@nestjs/common';
import { ErrorCodes } from '@bus/canonical-model';
import { secretsMatch } from '../common/constant-time';
import type { SystemRuntime } from '../config/active-config';
import { ConfigService } from '../config/config.service';
import type { DispatchResult } from '../delivery/dispatcher.service';
import { InboundPipeline } from '../inbound/inbound.pipeline';
import { InboundRejection } from '../inbound/inbound-rejection';
import { IngressErrors } from './ingress.errors';

export interface IngressRequest {
  system: string;
  apiKey?: string;
  contentType?: string;
  idempotencyKey?: string;
  correlationId?: string;
  body: Buffer;
}

/** HTTP-specific checks (who posts, in which format) in front of the shared inbound pipeline. */
@Injectable()
export class IngressService {
  private readonly logger = new Logger('ingress');

  constructor(
    private readonly config: ConfigService,
    private readonly pipeline: InboundPipeline,
  ) {}

  /**
   * The system posting or asking, after checking its key; throws 401. An unknown system, one that
   * takes no input and a wrong key get the same answer, compared in the same time, so the endpoint
   * does not tell a caller without a key which system names exist.
   */
  authenticate(systemName: string, apiKey: string | undefined): SystemRuntime {
    const system = this.config.active().systems.get(systemName);
    const key = (system?.inbound as { apiKey?: string } | undefined)?.apiKey;
    // Compared even for an unknown system (against nothing), so the answer's timing tells nothing either.
    const match = secretsMatch(apiKey, key);
    if (!system || !key || !match) throw IngressErrors.unauthorized();
    return system;
  }

  async accept(req: IngressRequest): Promise<DispatchResult> {
    const system = this.authenticate(req.system, req.apiKey);
    const mediaType = req.contentType?.split(';')[0].trim().toLowerCase();
    if (!mediaType || !system.codec.contentTypes.includes(mediaType)) {
      throw IngressErrors.unsupportedMediaType(system.name, req.contentType, system.codec.contentTypes);
    }
    try {
      return await this.pipeline.receive(
        system,
        { body: req.body, contentType: mediaType },
        { idempotencyKey: req.idempotencyKey, correlationId: req.correlationId },
      );
    } catch (err) {
      if (err instanceof InboundRejection) throw IngressErrors.badInput(err.code, err.message, err.details);
      if (err instanceof HttpException) throw err;
      // Not confirmed (broker down, alarm, no queue bound, a confirm lost with the connection, the store
      // failing): the claim stays unconfirmed, so the sender's retry with the same key is safe. A sender
      // has two answers to act on, 202 and 503; a 500 would leave it guessing.
      const code = (err as { code?: string }).code;
      if (code === ErrorCodes.BROKER_UNAVAILABLE || code === ErrorCodes.DELIVERY_UNKNOWN_DESTINATION) {
        throw IngressErrors.brokerUnavailable(system.name, (err as Error).message);
      }
      this.logger.error(`Accepting a message from ${system.name} failed: ${(err as Error)?.stack ?? String(err)}. The sender was answered 503 and retries.`);
      throw IngressErrors.notConfirmed(system.name, (err as Error)?.message ?? String(err));
    }
  }
}
