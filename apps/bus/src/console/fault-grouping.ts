import { createHash } from 'node:crypto';
import type { DeadLetter } from '../store/bus-store';

/**
 * An error message with what differs between occurrences of one fault taken out (ids, numbers,
 * quoted values, times), so "customer 42 not found" and "customer 43 not found" fall in one group.
 *
 * @example
 * normaliseFault('HTTP 503 from http://billing:4001/x after 1200 ms') // 'HTTP # from <url> after # ms'
 */
export function normaliseFault(message: string): string {
  return message
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
    .replace(/\b\d{4}-\d\d-\d\dT[\d:.]+Z?\b/g, '<time>')
    .replace(/\bhttps?:\/\/\S+/g, '<url>')
    .replace(/"[^"]*"|'[^']*'/g, '"…"')
    .replace(/\b[0-9a-f]{16,}\b/gi, '<id>')
    .replace(/\b\d+(\.\d+)?\b/g, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** Dead letters of one fault: same error code, destination, message type and normalised message. */
export interface FaultGroup {
  /** Stable id of the group (a hash of what defines it), for replaying or discarding it. */
  key: string;
  errorCode: string;
  destination: string;
  type: string;
  message: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** The ids of the group's dead letters, newest first (at most GROUP_IDS_SHOWN). */
  ids: string[];
}

export const GROUP_IDS_SHOWN = 200;

export function faultKeyOf(letter: Pick<DeadLetter, 'errorCode' | 'destination' | 'type' | 'errorMessage'>): string {
  const text = [letter.errorCode, letter.destination, letter.type, normaliseFault(letter.errorMessage)].join('\u0000');
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

/** Groups dead letters (given newest first) by fault; the largest group first. */
export function groupFaults(letters: readonly DeadLetter[]): FaultGroup[] {
  const groups = new Map<string, FaultGroup>();
  for (const l of letters) {
    const key = faultKeyOf(l);
    let g = groups.get(key);
    if (!g) {
      g = { key, errorCode: l.errorCode, destination: l.destination, type: l.type, message: normaliseFault(l.errorMessage), count: 0, firstSeen: l.at, lastSeen: l.at, ids: [] };
      groups.set(key, g);
    }
    g.count++;
    if (l.at < g.firstSeen) g.firstSeen = l.at;
    if (l.at > g.lastSeen) g.lastSeen = l.at;
    if (g.ids.length < GROUP_IDS_SHOWN) g.ids.push(l.id);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || b.lastSeen.localeCompare(a.lastSeen));
}
