import { redactSecrets } from '@bus/adapters';
import type { SystemRuntime } from './active-config';

/**
 * The config tree with every setting its adapter declares `@Secret()` redacted, in each system's
 * `inbound:` and `outbound:`. Values that came from `${VAR}` are already `***`; this also covers a
 * key or password written inline in bus.yaml.
 */
export function redactDeclaredSecrets(tree: Record<string, unknown>, systems: ReadonlyMap<string, SystemRuntime>): Record<string, unknown> {
  const written = tree.systems as Record<string, Record<string, unknown>> | undefined;
  if (!written) return tree;
  const out: Record<string, unknown> = {};
  for (const [name, section] of Object.entries(written)) {
    const runtime = systems.get(name);
    out[name] = runtime
      ? { ...section, inbound: redactSecrets(section.inbound, runtime.inbound), outbound: redactSecrets(section.outbound, runtime.outbound) }
      : section;
    // Keep absent sections absent rather than `inbound: undefined`.
    for (const key of ['inbound', 'outbound']) if (!(key in section)) delete (out[name] as Record<string, unknown>)[key];
  }
  return { ...tree, systems: out };
}
