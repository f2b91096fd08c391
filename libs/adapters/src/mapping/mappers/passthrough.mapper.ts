import type { CanonicalDraft, CanonicalEnvelope } from '@bus/canonical-model';
import { toDrafts } from '../canonical-draft';
import type { SystemMapping } from '../mapping';

const WHERE = 'passthrough mapper';

/**
 * For systems that already speak canonical JSON: inbound bodies are `{type, payload, …}` (or an
 * array of them) and are checked like any mapping's result; outbound, the envelope is delivered
 * as it is. It neither asks nor answers queries: those need a mapping that names them.
 */
export const passthroughMapper = (): SystemMapping => ({
  outboundTypes: ['#'],
  asks: [],
  answers: [],
  async toCanonical(native: unknown): Promise<CanonicalDraft[]> {
    return toDrafts(native, WHERE);
  },
  async fromCanonical(envelope: CanonicalEnvelope): Promise<unknown> {
    return envelope;
  },
});
