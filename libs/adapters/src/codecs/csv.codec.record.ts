/** Result of splitting one CSV record into fields. */
export type FieldsResult = { ok: true; fields: string[] } | { ok: false; reason: string; column: number };

const QUOTE = 34;

/**
 * Splits one record (its text without the line ending) into fields, RFC 4180 style: a field is
 * either quoted (`"a ""b"", c"`, may hold delimiters and line breaks) or plain (no quotes at all).
 * `column` in a failure is the 1-based field number.
 */
export function splitFields(text: string, delimiter: string): FieldsResult {
  const fields: string[] = [];
  const d = delimiter.charCodeAt(0);
  let i = 0;
  for (;;) {
    const column = fields.length + 1;
    if (text.charCodeAt(i) === QUOTE) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return { ok: false, reason: 'the quoted field is not closed', column };
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += text.slice(from, q + 1); // "" is one quote
          from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i >= text.length) return { ok: true, fields };
      if (text.charCodeAt(i) !== d) {
        return { ok: false, reason: `unexpected ${JSON.stringify(text[i])} after the closing quote (expected "${delimiter}" or the end of the line)`, column };
      }
      i++;
    } else {
      const next = text.indexOf(delimiter, i);
      const value = next < 0 ? text.slice(i) : text.slice(i, next);
      if (value.includes('"')) return { ok: false, reason: 'a quote inside an unquoted field (quote the whole field and double the quote)', column };
      fields.push(value);
      if (next < 0) return { ok: true, fields };
      i = next + 1;
    }
  }
}
