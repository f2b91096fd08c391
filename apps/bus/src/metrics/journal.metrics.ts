import { Counter, Gauge, type Registry } from 'prom-client';
import type { Journal } from '../journal/journal.service';

/**
 * The journal's own state, read at scrape time. The bus delivers while its journal cannot write (history is
 * an audit aid, not a guarantee), so without these a failing journal shows only in the log: message history
 * and the gauges read from it (`bus_queue_waiting_messages`, the route objectives) go stale, and the buffer
 * fills up to its bound and then drops the oldest events.
 */
export function registerJournalMetrics(registry: Registry, journal: Pick<Journal, 'buffered' | 'failing' | 'droppedTotal'>): void {
  const registers = [registry];
  new Gauge({
    name: 'bus_journal_failing',
    help: '1 while the message journal cannot write to the store (it retries; delivery is not affected), 0 otherwise.',
    registers,
    collect() {
      this.set(journal.failing ? 1 : 0);
    },
  });
  new Gauge({
    name: 'bus_journal_buffered_events',
    help: 'Journal events waiting in memory to be written (a batch every 100 ms; grows while the store fails).',
    registers,
    collect() {
      this.set(journal.buffered);
    },
  });
  new Counter({
    name: 'bus_journal_dropped_events_total',
    help: 'Journal events dropped since start: the oldest past the buffer bound while the store failed, and events the store refused alone.',
    registers,
    collect() {
      this.reset();
      this.inc(journal.droppedTotal);
    },
  });
}
