import type { MessageHistory, RawNative } from '../store/bus-store';

export const REDACTED = '[redacted]';

/**
 * Hides the values of `sensitive:` fields (bus.yaml) in a message's canonical and native bodies before
 * an operator sees them. A bare name (`iban`) matches a key of that name at any depth; a dotted path
 * (`payload.card.number`) matches from the envelope's root. Native bodies are redacted by the last
 * segment of each entry: JSON by key, XML by element and attribute; a body of another format (CSV)
 * that mentions a sensitive name is hidden whole, as its values cannot be told apart safely.
 */
export function redactHistory(history: MessageHistory, sensitive: readonly string[]): MessageHistory {
  if (sensitive.length === 0) return history;
  const message = { ...history.message };
  if (message.canonical) message.canonical = redactTree(message.canonical, sensitive) as typeof message.canonical;
  if (message.rawNative) message.rawNative = redactNative(message.rawNative, sensitive);
  return { ...history, message };
}

/** A copy of `tree` with every sensitive value replaced. */
export function redactTree(tree: unknown, sensitive: readonly string[], path = ''): unknown {
  if (Array.isArray(tree)) return tree.map((v) => redactTree(v, sensitive, path));
  if (typeof tree !== 'object' || tree === null) return tree;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tree)) {
    const at = path ? `${path}.${key}` : key;
    out[key] = sensitive.some((s) => s === key || s === at) ? REDACTED : redactTree(value, sensitive, at);
  }
  return out;
}

function redactNative(raw: RawNative, sensitive: readonly string[]): RawNative {
  if (raw.encoding !== 'utf8') return raw;
  const names = sensitive.map((s) => s.split('.').pop()!);
  try {
    const parsed = JSON.parse(raw.data) as unknown;
    return { ...raw, data: JSON.stringify(redactTree(parsed, names), null, 2) };
  } catch {
    // Not JSON (or cut short): XML elements and attributes by name; other formats are hidden when a name appears in them.
  }
  let data = raw.data;
  for (const name of names) {
    const n = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    data = data.replace(new RegExp(`(<${n}(\\s[^>]*)?>)[^<]*(</${n}>)`, 'g'), `$1${REDACTED}$3`).replace(new RegExp(`(\\s${n}=")[^"]*(")`, 'g'), `$1${REDACTED}$2`);
  }
  if (!raw.contentType.includes('xml') && names.some((n) => raw.data.includes(n))) data = `${REDACTED}: this ${raw.contentType} body holds a field marked sensitive`;
  return { ...raw, data };
}
