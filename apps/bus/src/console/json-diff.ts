/** One changed leaf of an edit: its path from the payload root, and the values before and after. */
export type JsonDiff = Record<string, { from?: unknown; to?: unknown }>;

/**
 * The leaves that differ between two JSON values, by dotted path (`lines[2].amount`); what the audit
 * trail keeps for an edit-and-retry.
 */
export function jsonDiff(before: unknown, after: unknown, path = '', out: JsonDiff = {}): JsonDiff {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObj(before) && isObj(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const k of keys) jsonDiff(before[k], after[k], Array.isArray(after) ? `${path}[${k}]` : path ? `${path}.${k}` : k, out);
    return out;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    out[path || '(root)'] = { ...(before !== undefined ? { from: before } : {}), ...(after !== undefined ? { to: after } : {}) };
  }
  return out;
}
