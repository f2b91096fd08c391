import type { DestinationState, DestinationStatus, Hop, JournalMessage, MessageStatus } from './store.types';

/** How one hop changes a destination's state; null when it does not. Shared by both stores. */
export interface DestinationChange {
  status?: DestinationStatus;
  /** A known attempt number (kept as a maximum), or `increment` when the hop does not say. */
  attempts?: number | 'increment';
}

export function destinationChange(hop: Hop): DestinationChange | null {
  if (!hop.destination) return null;
  const counted = hop.attempt ?? 'increment';
  switch (hop.kind) {
    case 'attempt':
      return { status: hop.outcome === 'delivered' ? 'delivered' : 'retrying', attempts: counted };
    case 'delivered':
      return { status: 'delivered', attempts: counted };
    case 'duplicate-skipped':
      return { status: 'delivered' };
    case 'retry-scheduled':
      return { status: 'retrying' };
    case 'dead-lettered':
      return { status: 'dead' };
    case 'replayed':
      return { status: 'pending' };
    case 'discarded':
      return { status: 'discarded' };
    case 'query':
      return { status: hop.outcome === 'answered' ? 'delivered' : 'failed', attempts: counted };
    default:
      return null;
  }
}

/**
 * A destination's state after one change; `undefined` when it has none yet (the change writes it first). The
 * rule the stores' upserts encode (journal_destinations in SQLite, $inc/$max in MongoDB), for writers that
 * fold several hops in memory first.
 */
export function applyDestinationChange(state: DestinationState | undefined, change: DestinationChange): DestinationState {
  const { attempts } = change;
  if (!state) return { status: change.status ?? 'pending', attempts: attempts === 'increment' ? 1 : (attempts ?? 0) };
  return {
    status: change.status ?? state.status,
    attempts: attempts === 'increment' ? state.attempts + 1 : attempts === undefined ? state.attempts : Math.max(state.attempts, attempts),
  };
}

/**
 * A message's overall status from its destinations: `delivered` when every destination has it,
 * `dead` when none has it and one is dead, `partially-delivered` when some have it and the
 * others are dead, discarded or still on their way, `accepted` while nothing has arrived yet.
 */
export function deriveMessageStatus(initial: 'accepted' | 'unrouted', destinations: Record<string, DestinationState>): MessageStatus {
  const states = Object.values(destinations);
  if (initial === 'unrouted' && states.length === 0) return 'unrouted';
  if (states.length === 0) return 'accepted';
  let delivered = 0;
  let dead = 0;
  let discarded = 0;
  for (const s of states) {
    if (s.status === 'delivered') delivered++;
    else if (s.status === 'dead' || s.status === 'failed') dead++;
    else if (s.status === 'discarded') discarded++;
  }
  const open = states.length - delivered - dead - discarded;
  if (delivered === states.length) return 'delivered';
  if (delivered > 0) return 'partially-delivered';
  if (dead > 0) return 'dead';
  if (open > 0) return 'accepted';
  return 'discarded';
}

/**
 * The first two hops of every history, `received` and `routed`. They say nothing the message
 * record does not (its time, source and routes), so stores derive them on read instead of
 * writing two rows per message on the hot path.
 */
export function entryHops(message: Pick<JournalMessage, 'receivedAt' | 'source' | 'routes'>): Hop[] {
  const routed = message.routes.length ? message.routes.map((r) => `${r.destination} (${r.route})`).join(', ') : 'no route matched';
  return [
    { at: message.receivedAt, kind: 'received', detail: `from ${message.source}` },
    { at: message.receivedAt, kind: 'routed', detail: routed },
  ];
}
