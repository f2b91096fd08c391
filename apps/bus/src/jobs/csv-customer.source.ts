import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { REQUIRED_RECIPIENT_FIELDS, type MergeRecipient } from '@bus/adapters/mail-merge/merge-recipient';
import { CustomerSourceError, type CustomerSource, type SourceRecord } from './customer-source';

/**
 * Customers from a CSV file with a header line (`customerId,name,street,postalCode,city,country,email`,
 * more columns are passed to templates and the selection). Streamed: memory does not grow with the file.
 */
export class CsvCustomerSource implements CustomerSource {
  readonly description: string;

  constructor(private readonly path: string, private readonly delimiter = ',') {
    this.description = `csv ${path}`;
  }

  async *read(signal?: AbortSignal): AsyncIterable<SourceRecord> {
    const input = createReadStream(this.path, { signal });
    const parser = input.pipe(
      parse({ columns: (header: string[]) => this.checkHeader(header.map((h) => h.trim())), bom: true, trim: true, skip_empty_lines: true, delimiter: this.delimiter, info: true }),
    );
    // pipe() does not forward a read error (file missing): without this the parser would wait forever.
    input.once('error', (error) => parser.destroy(error));
    try {
      for await (const row of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
        const recipient = Object.fromEntries(Object.entries(row.record).filter(([, v]) => v !== '')) as MergeRecipient;
        yield { recipient, position: `${this.path} line ${row.info.lines}` };
      }
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      if (error instanceof CustomerSourceError) throw error;
      throw new CustomerSourceError(`${this.description}: ${(error as Error).message}`, { cause: error });
    }
  }

  private checkHeader(header: string[]): string[] {
    const missing = REQUIRED_RECIPIENT_FIELDS.filter((f) => !header.includes(f));
    if (missing.length > 0) {
      throw new CustomerSourceError(`${this.description}: header line lacks ${missing.join(', ')} (has ${header.join(', ')}); the columns are customerId,name,street,postalCode,city,country,email`);
    }
    return header;
  }
}
