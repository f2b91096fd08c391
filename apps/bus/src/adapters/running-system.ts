import type { AdapterInstance } from '@bus/adapters';
import type { SystemRuntime } from '../config/active-config';
import type { ConsumerHandle, QueryServing } from '../messaging';

/** What the adapter host keeps per started system, so it can stop exactly what it started. */
export interface RunningSystem {
  system: SystemRuntime;
  instance: AdapterInstance;
  /** Consumer of `bus.<system>` when the system is a destination. */
  consumer?: ConsumerHandle;
  /** Consumer of `bus.query.<system>` when the system answers queries. */
  queries?: QueryServing;
  /** Stops a pulling inbound adapter (folder watcher, poller). */
  listener?: { abort: AbortController; done: Promise<void> };
}

/** Stops in the order that loses nothing: no new input, drain in-flight deliveries, then close the transport. */
export async function stopRunning(running: RunningSystem): Promise<void> {
  running.listener?.abort.abort();
  await Promise.allSettled([running.listener?.done, running.consumer?.cancel(), running.queries?.cancel()]);
  await running.instance.close?.();
}
