import { randomUUID } from 'node:crypto';
import type { CanonicalDraft, CanonicalEnvelope } from '@bus/canonical-model';
import type { ActiveConfig } from './active-config';
import { EnvelopeFactory } from '../inbound/envelope.factory';

/** One stage of a message's way through a config version, as `bpi-bus try` prints it. */
export interface TraceStage {
  stage: 'decode' | 'map' | 'validate' | 'route' | 'deliver';
  ok: boolean;
  /** What the stage made (decoded value, drafts, recipients), or why it refused. */
  detail: unknown;
  error?: string;
}

/** What one destination would be sent: its mapped value and the encoded body. */
export interface DestinationOutput {
  destination: string;
  route: string;
  ok: boolean;
  contentType?: string;
  /** The encoded body as text (what the destination would receive). */
  body?: string;
  error?: string;
}

export interface MessageTrace {
  ok: boolean;
  stages: TraceStage[];
  /** Per canonical message the native input became: its type and each destination's output. */
  messages: { type: string; recipients: string[]; outputs: DestinationOutput[] }[];
}

const factory = new EnvelopeFactory();

/**
 * A native message's way through a config version without sending anything: decode with the
 * system's codec, map to canonical, validate, route, and each destination's mapping and codec.
 * Stops at the first stage that refuses it and says why. The destination's own id (xref) is unknown
 * offline, so outbound mappings see `$xref` as null, as for an entity the bus has not linked yet.
 */
export async function traceNative(config: ActiveConfig, systemName: string, body: Buffer, meta: Record<string, unknown> = {}): Promise<MessageTrace> {
  const stages: TraceStage[] = [];
  const fail = (stage: TraceStage['stage'], error: string, detail?: unknown): MessageTrace => {
    stages.push({ stage, ok: false, detail, error });
    return { ok: false, stages, messages: [] };
  };
  const system = config.systems.get(systemName);
  if (!system) return fail('decode', `unknown system "${systemName}" (known: ${[...config.systems.keys()].join(', ')})`);

  let decoded: unknown;
  try {
    decoded = system.codec.decode(body, system.codecOptions);
    stages.push({ stage: 'decode', ok: true, detail: decoded });
  } catch (err) {
    return fail('decode', `${system.name} (${system.codec.id}): ${(err as Error).message}`);
  }
  let drafts: CanonicalDraft[];
  try {
    drafts = await system.mapping.toCanonical(decoded, { ...meta, system: system.name });
    stages.push({ stage: 'map', ok: true, detail: drafts });
  } catch (err) {
    return fail('map', `${system.name}: ${(err as Error).message}`);
  }
  if (drafts.length === 0) return fail('map', `${system.name}: the mapping produced no message from this input`, []);
  const problems = drafts.flatMap((d, i) => factory.validate(d).map((p) => ({ ...p, path: drafts.length > 1 ? `messages[${i}].${p.path}` : p.path })));
  if (problems.length) return fail('validate', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  stages.push({ stage: 'validate', ok: true, detail: drafts.map((d) => d.type) });

  const messages: MessageTrace['messages'] = [];
  for (const draft of drafts) {
    const envelope = factory.create(system.name, draft, config.version, undefined);
    messages.push({ type: envelope.type, ...(await traceEnvelope(config, envelope)) });
  }
  stages.push({ stage: 'route', ok: true, detail: messages.map((m) => ({ type: m.type, recipients: m.recipients })) });
  const outputs = messages.flatMap((m) => m.outputs);
  const ok = outputs.every((o) => o.ok);
  stages.push({ stage: 'deliver', ok, detail: outputs, ...(ok ? {} : { error: outputs.filter((o) => !o.ok).map((o) => `${o.destination}: ${o.error}`).join('; ') }) });
  return { ok, stages, messages };
}

/**
 * A canonical message's recipients under a config version, and what each would be sent: the
 * route transform, the destination's outbound mapping, its codec. Processors are recipients
 * whose output is not shown (they run code, not a mapping).
 */
export async function traceEnvelope(config: ActiveConfig, envelope: CanonicalEnvelope): Promise<{ recipients: string[]; outputs: DestinationOutput[]; conditionErrors: string[] }> {
  const { matches, conditionErrors } = await config.routeTable.match(envelope);
  const outputs: DestinationOutput[] = [];
  for (const match of matches) {
    const system = config.systems.get(match.destination);
    if (!system) {
      outputs.push({ destination: match.destination, route: match.route, ok: true, body: '(processor)' });
      continue;
    }
    try {
      const transformed = match.transform ? { ...envelope, payload: await match.transform.evaluate(envelope) } : envelope;
      const value = await system.mapping.fromCanonical(transformed, { xref: null });
      const encoded = system.codec.encode(value, system.codecOptions);
      outputs.push({ destination: system.name, route: match.route, ok: true, contentType: system.codec.contentTypes[0], body: encoded.toString('utf8') });
    } catch (err) {
      outputs.push({ destination: system.name, route: match.route, ok: false, error: (err as Error).message });
    }
  }
  return { recipients: matches.map((m) => m.destination).sort(), outputs, conditionErrors: conditionErrors.map((e) => `route ${e.route}: ${e.message}`) };
}

/** A stand-in envelope for a canonical draft or partial envelope (fixtures, route cases). */
export function envelopeOf(partial: Partial<CanonicalEnvelope> & { type: string }, source = 'fixture'): CanonicalEnvelope {
  const id = partial.id ?? randomUUID();
  return { id, schemaVersion: 1, source, correlationId: id, occurredAt: '2026-01-01T00:00:00.000Z', payload: {}, ...partial } as CanonicalEnvelope;
}
