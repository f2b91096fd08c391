import { instanceOwner } from '../instances/instance-owner';

/**
 * How long a replay may hold its claim on a dead letter (`replaying`) before the claim counts as
 * abandoned. A replay claims, publishes (milliseconds; the publisher refuses at once while the broker
 * is down) and marks `replayed`; a claim this old means its bus instance died in between. Then a
 * single replay of that id takes it over at once, and the reconciler sends it back to `dead` within
 * half this time, so bulk replays and the admin list see it again. Publishing it again is safe: the
 * destination's delivery ledger skips a message that was already delivered.
 */
export const DEAD_LETTER_REPLAY_LEASE_MS = 60_000;

/** A claim or lock owner: the instance (host and pid, for the operator) and one replay call or reconciler. */
export function replayClaimOwner(): string {
  return instanceOwner();
}
