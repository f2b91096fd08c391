import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { HttpError, type Reply } from '../shared/http-kit';

/** Elements that repeat; the parser makes them arrays even when only one is present. */
const REPEATED = new Set(['Rate', 'UsageLine', 'ConferenceSummary', 'Participant']);

const parser = new XMLParser({
  ignoreAttributes: false,
  // Zip codes like 01234 and account numbers must stay text.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => REPEATED.has(name),
});

const builder = new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: false });

/**
 * Parses a request body. Billing never accepts a DOCTYPE: its documents have no DTD, and refusing it
 * closes the door on entity expansion and external entities.
 */
export function parseXml(body: string): Record<string, unknown> {
  if (!body.trim()) throw new HttpError(400, 'empty body; send an XML document');
  if (/<!DOCTYPE/i.test(body)) throw new HttpError(400, 'DOCTYPE is not allowed in billing documents');
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw new HttpError(400, `XML not well-formed at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  const doc = parser.parse(body) as Record<string, unknown>;
  delete doc['?xml'];
  return doc;
}

/** The single root element's content, checked by name. */
export function rootOf(doc: Record<string, unknown>, name: string): Record<string, unknown> {
  const root = doc[name];
  if (root === undefined) throw new HttpError(400, `expected <${name}> as the root element, got <${Object.keys(doc)[0] ?? 'nothing'}>`);
  return typeof root === 'object' && root !== null ? (root as Record<string, unknown>) : {};
}

export function buildXml(root: string, content: unknown): string {
  return builder.build({ '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' }, [root]: content }) as string;
}

export const xml = (status: number, root: string, content: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'Content-Type': 'application/xml; charset=utf-8', ...headers },
  body: buildXml(root, content),
});

/** Billing's error document: `<Error><Code/><Message/></Error>`. */
export const billingError = (status: number, message: string): Reply => xml(status, 'Error', { Code: status, Message: message });

/** Text of an optional element; `<X/>` and a missing element are both ''. */
export function text(node: unknown, field: string): string {
  const v = (node as Record<string, unknown> | undefined)?.[field];
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') {
    const t = (v as Record<string, unknown>)['#text'];
    if (t !== undefined) return String(t);
    throw new HttpError(400, `<${field}> must hold text, not elements`);
  }
  return String(v);
}

export const list = (v: unknown): Record<string, unknown>[] =>
  v === undefined || v === '' ? [] : ((Array.isArray(v) ? v : [v]) as Record<string, unknown>[]);
