import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * The owner name of a claim, lease or lock: host and pid tell the operator which process holds it, `role`
 * what in that process (a system's file reader, say), and the random part keeps two holders in one
 * process apart and a restarted process on the same pid from taking its predecessor's leases for its own.
 */
export function instanceOwner(role?: string): string {
  return [hostname(), process.pid, role, randomUUID().slice(0, 8)].filter((part) => part !== undefined).join(':');
}
