import { Injectable } from '@nestjs/common';
import { ErrorCodes, type CanonicalDraft, type CanonicalEnvelope } from '@bus/canonical-model';
import { BusError, type NativeMessage } from '@bus/adapters';
import type { SystemRuntime } from '../config/active-config';
import { ConfigService } from '../config/config.service';
import { Dispatcher, type DispatchResult } from '../delivery/dispatcher.service';
import { XrefService } from '../delivery/xref.service';
import { derivedMessageId, EnvelopeFactory } from './envelope.factory';
import { InboundRejection } from './inbound-rejection';

export interface InboundOptions {
  /** The sender's Idempotency-Key, when it gave one. */
  idempotencyKey?: string;
  /** The sender's X-Correlation-Id, when it gave one. */
  correlationId?: string;
  /**
   * Identity of the input within its system (a file row: `<system>:<sha256>:<line>`): message ids are then
   * derived from it (derivedMessageId), so the same input read again gets the same ids.
   */
  idSeed?: string;
}

/**
 * The one path from native bytes to published canonical messages, shared by HTTP ingress and by
 * adapters that pull (folders): decode with the system's codec, map, validate, mint envelopes, dispatch.
 */
@Injectable()
export class InboundPipeline {
  constructor(
    private readonly config: ConfigService,
    private readonly envelopes: EnvelopeFactory,
    private readonly dispatcher: Dispatcher,
    private readonly xref: XrefService,
  ) {}

  async receive(system: SystemRuntime, native: NativeMessage, options: InboundOptions = {}): Promise<DispatchResult> {
    const drafts = await this.toDrafts(system, native);
    for (const draft of drafts) draft.payload = await this.xref.toCanonicalIds(system, draft.payload as Record<string, unknown>);
    const version = this.config.active().version;
    const envelopes = drafts.map((draft, i) =>
      this.envelopes.create(system.name, draft, version, options.correlationId, undefined, options.idSeed === undefined ? undefined : derivedMessageId(options.idSeed, i)),
    );
    const businessKeys = system.dedupKey ? await Promise.all(envelopes.map((e) => businessKeyOf(system, e))) : undefined;
    return this.dispatcher.dispatch(system.name, envelopes, { idempotencyKey: options.idempotencyKey, native, businessKeys });
  }

  /** Native bytes -> validated canonical drafts; every failure is an InboundRejection naming the field or line. */
  async toDrafts(system: SystemRuntime, native: NativeMessage): Promise<CanonicalDraft[]> {
    let drafts: CanonicalDraft[];
    try {
      const decoded = system.codec.decode(native.body, system.codecOptions);
      drafts = await system.mapping.toCanonical(decoded, { ...native.meta, system: system.name });
    } catch (err) {
      if (err instanceof BusError) {
        const location = (err as { location?: string }).location;
        throw new InboundRejection(err.code, `${system.name}: ${err.message}`, location ? [{ path: location, message: err.message }] : []);
      }
      throw err;
    }
    if (drafts.length === 0) {
      throw new InboundRejection(ErrorCodes.ADAPTER_MAPPING_FAILED, `${system.name}: the mapping produced no message from this input.`);
    }
    drafts.forEach((draft, i) => {
      const problems = this.envelopes.validate(draft);
      if (!problems.length) return;
      const prefix = drafts.length > 1 ? `messages[${i}].` : '';
      throw new InboundRejection(
        problems[0].code,
        `${system.name}: the ${typeof draft.type === 'string' ? draft.type : 'mapped'} message is not valid: ` +
          problems.map((p) => `${prefix}${p.path}: ${p.message}`).join('; '),
        problems.map((p) => ({ path: prefix + p.path, message: p.message })),
      );
    });
    return drafts;
  }
}

/**
 * The system's `dedupKey` over one envelope: a string or number is the key; nothing (the field is absent
 * in this type) means no business key. Anything else is refused with the record rather than letting a
 * record through unprotected: the setting is wrong for this message.
 */
async function businessKeyOf(system: SystemRuntime, envelope: CanonicalEnvelope): Promise<string | undefined> {
  let value: unknown;
  try {
    value = await system.dedupKey!.evaluate(envelope);
  } catch (err) {
    throw new InboundRejection(ErrorCodes.ADAPTER_MAPPING_FAILED, `${system.name}: dedupKey ${system.dedupKey!.source} failed on the ${envelope.type} message: ${(err as Error).message}; fix systems.${system.name}.dedupKey`);
  }
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new InboundRejection(
    ErrorCodes.ADAPTER_MAPPING_FAILED,
    `${system.name}: dedupKey ${system.dedupKey!.source} gave ${Array.isArray(value) ? 'a list' : typeof value} for the ${envelope.type} message, not a text or number; fix systems.${system.name}.dedupKey`,
  );
}
