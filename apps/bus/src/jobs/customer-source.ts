import type { MergeRecipient } from '@bus/adapters/mail-merge/merge-recipient';

/**
 * Where a mail-merge job reads its customers. `read()` may be called more than once per run
 * (once to count, once to process) and must yield the same customers in the same order.
 *
 * Two implementations: CsvCustomerSource (a file, streamed line by line) and
 * HttpJsonCustomerSource (a system's JSON list through a fetch port plus a JSONata mapping).
 * The JSON list of a system is held in memory while it is read (it is small: addresses, not PDFs);
 * the CSV is never loaded whole.
 */
export interface CustomerSource {
  /** For messages, e.g. `csv data/customers.csv` or `system sales GET /accounts`. */
  readonly description: string;
  read(signal?: AbortSignal): AsyncIterable<SourceRecord>;
}

/** One customer plus where it came from, for error messages (`line 12`, `item 3`). */
export interface SourceRecord {
  recipient: MergeRecipient;
  position: string;
}

/** The source cannot be read at all (file missing, header wrong, system down): the run fails. */
export class CustomerSourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CustomerSourceError';
  }
}
