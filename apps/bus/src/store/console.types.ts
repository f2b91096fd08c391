import type { TimeInput } from './store.types';

// Types of the operator console's store reads (audit trail, waiting messages); kept apart from store.types.ts.

/** One change an operator made through the admin API or the console: who, when, what, why, and how it ended. */
export interface AuditInput {
  /** Token name of the caller (`admin` for ADMIN_TOKEN). */
  actor: string;
  role: string;
  /** What was done, e.g. `dead-letter.replay`, `dead-letter.edit`, `job.run`, `config.reload`. */
  action: string;
  /** What it was done to: a dead letter id, a job name, a config version; absent for a filter-wide action. */
  target?: string;
  /** The operator's reason, when the action takes one. */
  reason?: string;
  /** For an edit: the fields changed, `{ path: { from, to } }`. For a bulk action: its filter or ids. */
  details?: Record<string, unknown>;
  /** `ok`, or the error code the bus refused or failed it with. */
  outcome: string;
  at?: TimeInput;
}

export interface AuditEntry extends Omit<AuditInput, 'at'> {
  id: string;
  at: string;
}

export interface AuditSearch {
  actor?: string;
  action?: string;
  target?: string;
  since?: TimeInput;
  until?: TimeInput;
  /** Default 50, at most 500. */
  limit?: number;
  cursor?: string;
}

/** What {@link BusStore.waitingByDestination} answers for one destination (the console's "oldest waiting"). */
export interface WaitingMessages {
  count: number;
  /** receivedAt of the oldest waiting message, ISO-8601. */
  oldestReceivedAt: string;
}
