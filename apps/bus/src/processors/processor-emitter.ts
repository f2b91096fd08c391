import { Injectable } from '@nestjs/common';
import type { CanonicalDraft } from '@bus/canonical-model';
import { MappingError } from '@bus/adapters';
import { ConfigService } from '../config/config.service';
import { Dispatcher } from '../delivery/dispatcher.service';
import { EnvelopeFactory } from '../inbound/envelope.factory';

/**
 * Publishes a processor's output like any accepted message: validated, minted by the EnvelopeFactory,
 * routed once by the Dispatcher with the processor as source, and claimed under a dedup key first.
 */
@Injectable()
export class ProcessorEmitter {
  constructor(
    private readonly config: ConfigService,
    private readonly envelopes: EnvelopeFactory,
    private readonly dispatcher: Dispatcher,
  ) {}

  async emit(source: string, draft: CanonicalDraft, dedupKey: string, cause: { correlationId: string; causationId?: string }): Promise<void> {
    const problems = this.envelopes.validate(draft);
    if (problems.length) {
      // A processor built an invalid message: retrying cannot fix it, the dead letter shows what to fix.
      throw new MappingError(`processor ${source} built an invalid ${draft.type}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    }
    const envelope = this.envelopes.create(source, draft, this.config.active().version, cause.correlationId);
    await this.dispatcher.dispatch(source, [{ ...envelope, ...(cause.causationId ? { causationId: cause.causationId } : {}) }], { idempotencyKey: dedupKey });
  }
}
