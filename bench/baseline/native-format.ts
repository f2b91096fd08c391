/**
 * The native <-> canonical field mapping of the benchmark, written by hand: the baseline's copy of
 * what bench/config/mappings/{loadgen,sink} say in JSONata. Both pipelines must do the same work.
 */
import { XMLParser } from 'fast-xml-parser';
import { parse as parseCsv } from 'csv-parse/sync';

interface NativeLine {
  sku: string;
  price: number | string;
  uom: string;
}

/** What the load generator posts, once decoded (JSON; XML and CSV carry the same fields). */
export interface NativeContractEvent {
  sentAt: number | string;
  event: string;
  eventId: string;
  contract: { id: string; account: string; cur: string; from: string; lines: NativeLine[] };
}

export interface Draft {
  type: string;
  nativeId: string;
  correlationId: string;
  payload: { contractId: string; customerId: string; currency: string; validFrom: string; rates: Array<{ productCode: string; unitPrice: number; unit: string }> };
}

export function toDraft(native: NativeContractEvent): Draft {
  const c = native.contract;
  return {
    type: native.event,
    nativeId: native.eventId,
    correlationId: `bench-${native.sentAt}`,
    payload: {
      contractId: c.id,
      customerId: c.account,
      currency: c.cur,
      validFrom: c.from,
      rates: c.lines.map((l) => ({ productCode: l.sku, unitPrice: Number(l.price), unit: l.uom })),
    },
  };
}

/** The destination's native body (bench/config/mappings/sink/outbound). */
export function toDestination(envelope: { correlationId: string; payload: Draft['payload'] }): Record<string, unknown> {
  const p = envelope.payload;
  return {
    sentAt: Number(envelope.correlationId.slice('bench-'.length)),
    vertrag: p.contractId,
    kunde: p.customerId,
    waehrung: p.currency,
    gueltigAb: p.validFrom,
    positionen: p.rates.map((r) => ({ artikel: r.productCode, preis: r.unitPrice, einheit: r.unit })),
  };
}

const xml = new XMLParser({ parseTagValue: false, ignoreDeclaration: true, isArray: (name) => name === 'line' });

/** Decodes a body in the given codec into native events. A CSV body is one contract, a row per line. */
export function decode(codec: string, body: Buffer): NativeContractEvent[] {
  if (codec === 'json') return [JSON.parse(body.toString('utf8'))];
  if (codec === 'xml') {
    const e = xml.parse(body.toString('utf8')).contractEvent;
    return [{ ...e, contract: { ...e.contract, lines: e.contract.lines.line } }];
  }
  if (codec === 'csv') {
    const rows: Record<string, string>[] = parseCsv(body, { columns: true, skip_empty_lines: true });
    const first = rows[0];
    return [{
      sentAt: first.sentAt,
      event: first.event,
      eventId: first.eventId,
      contract: {
        id: first.contractId, account: first.account, cur: first.cur, from: first.from,
        lines: rows.map((r) => ({ sku: r.sku, price: r.price, uom: r.uom })),
      },
    }];
  }
  throw new Error(`baseline: unknown codec "${codec}" (known: json, xml, csv)`);
}
