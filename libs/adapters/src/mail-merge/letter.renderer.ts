import type PDFKitDocument from 'pdfkit';

// pdfkit and its font engine take about 11 MB: loaded with the first letter, not by every bus.
let pdfkit: Promise<typeof PDFKitDocument> | undefined;
const loadPdfKit = () => (pdfkit ??= import('pdfkit').then((m) => m.default));
import { MappingError } from '../adapter.errors';
import { cleanHeaderText } from '../smtp/mail-address';
import { ADDRESS_WINDOW_MM, LETTER_LAYOUT_MM as L, MM } from './letter.layout';
import { type LetterSender, type MergeRecipient, missingRecipientFields } from './merge-recipient';
import { compileMergeTemplate, type MergeTemplate, splitSubject } from './merge-template';

/** Settings of one letter design; the template source is read by the caller (no I/O here). */
export interface LetterRendererOptions {
  /** Handlebars source of the body; an optional first line `Subject: …` becomes the bold subject. */
  template: string;
  /** File name for error messages, e.g. `config/templates/letter.hbs`. */
  templateName: string;
  sender: LetterSender;
  /** Leave content streams uncompressed (makes the text greppable; used by specs). Default true = compress. */
  compress?: boolean;
  /** Optional TrueType font file for scripts beyond Latin-1; the built-in Helvetica covers WinAnsi only. */
  fontPath?: string;
  /** Date format locale for the date line; default `de-DE`. */
  locale?: string;
}

/** What a template sees: the recipient's fields, plus `sender` and the formatted `date`. */
export interface LetterData {
  recipient: MergeRecipient;
  /** The letter date; passed in so the same input always gives the same bytes. */
  date: Date;
  /** Extra values for the template (job name, campaign, …). */
  extra?: Record<string, unknown>;
}

/**
 * Renders one customer's letter to an A4 PDF with the recipient address in the DL window.
 * Pure apart from CPU: no clock, no files (unless `fontPath`), same input → same bytes.
 *
 * @example
 * const sut = new LetterRenderer({ template: 'Dear {{name}},\n…', templateName: 'letter.hbs', sender });
 * const pdf = await sut.render({ recipient, date: new Date('2026-01-15') });
 */
export class LetterRenderer {
  private readonly template: MergeTemplate;
  private readonly dateFormat: Intl.DateTimeFormat;

  constructor(private readonly options: LetterRendererOptions) {
    this.template = compileMergeTemplate(options.template, options.templateName, false);
    // UTC: the date is a calendar day handed in by the job, not an instant in the server's zone.
    this.dateFormat = new Intl.DateTimeFormat(options.locale ?? 'de-DE', { dateStyle: 'long', timeZone: 'UTC' });
  }

  /** The address lines printed in the window, in order; exported for checks and previews. */
  static addressLines(r: MergeRecipient): string[] {
    const lines = [r.name, r.street, `${r.postalCode} ${r.city}`];
    if (r.country) lines.push(String(r.country).toUpperCase());
    return lines.map((l) => cleanHeaderText(String(l)));
  }

  async render(data: LetterData): Promise<Buffer> {
    const missing = missingRecipientFields(data.recipient);
    if (missing.length > 0) {
      throw new MappingError(
        `customer ${String(data.recipient.customerId ?? '?')}: missing ${missing.join(', ')} for the letter address; complete the record in the source`,
        missing[0],
      );
    }
    const dateText = this.formatDate(data.date);
    const { subject, body } = splitSubject(
      this.template({ ...cleanStrings(data.recipient), sender: this.options.sender, date: dateText, ...(data.extra ?? {}) }),
    );
    return this.draw(await loadPdfKit(), data, dateText, subject, body);
  }

  private draw(PDFDocument: typeof PDFKitDocument, data: LetterData, dateText: string, subject: string | undefined, body: string): Promise<Buffer> {
    const doc = new PDFDocument({
      // No default font here: withParsedFonts gives the document Helvetica (F1, as pdfkit would) without parsing it.
      font: null as unknown as string,
      size: 'A4',
      // Margins matter only for the flowing body: a long letter breaks onto a second page above them.
      margins: { top: 20 * MM, bottom: L.marginBottom * MM, left: L.marginLeft * MM, right: L.marginRight * MM },
      compress: this.options.compress ?? true,
      // A fixed CreationDate also fixes the file ID: identical input gives identical bytes.
      info: { CreationDate: data.date, Title: `Letter ${data.recipient.customerId}`, Producer: 'bpi-bus', Creator: 'bpi-bus mail merge' },
    });
    const chunks: Buffer[] = [];
    const done = new Promise<Buffer>((resolve, reject) => {
      doc.on('data', (c: Buffer) => chunks.push(c));
      doc.on('end', () => resolve(Buffer.concat(chunks)));
      doc.on('error', reject);
    });
    const regular = this.options.fontPath ?? 'Helvetica';
    const bold = this.options.fontPath ?? 'Helvetica-Bold';
    withParsedFonts(PDFDocument, doc, this.options.fontPath ? ['Helvetica'] : ['Helvetica', 'Helvetica-Bold']);
    doc.font('Helvetica');
    const w = ADDRESS_WINDOW_MM;
    const inner = (w.width - 2 * L.windowPadding) * MM;
    const left = (w.left + L.windowPadding) * MM;

    // Fold marks (105 mm, 210 mm; DIN 5008 form B) and the punch mark (148.5 mm) on the left edge.
    for (const [yMm, len] of [[105, 5], [148.5, 8], [210, 5]] as const) {
      doc.moveTo(3 * MM, yMm * MM).lineTo((3 + len) * MM, yMm * MM).lineWidth(0.3).stroke();
    }
    // Return-address line at the top of the window, small, so it shows through it as post expects.
    const s = this.options.sender;
    doc.font(regular).fontSize(7).text(`${s.name} · ${s.street} · ${s.postalCode} ${s.city}`, left, (w.top + 5) * MM, {
      width: inner, lineBreak: false, ellipsis: true, underline: true,
    });
    // Recipient address zone: below the 17.7 mm return zone, inside the window.
    doc.font(regular).fontSize(10);
    let y = (w.top + L.returnZone) * MM;
    for (const line of LetterRenderer.addressLines(data.recipient)) {
      doc.text(line, left, y, { width: inner, lineBreak: false, ellipsis: true });
      y += 12;
    }
    const pageWidth = doc.page.width;
    const column = pageWidth - (L.marginLeft + L.marginRight) * MM;
    doc.fontSize(10).text(dateText, L.marginLeft * MM, L.dateTop * MM, { width: column, align: 'right' });
    doc.y = L.bodyTop * MM;
    if (subject) doc.font(bold).fontSize(11).text(subject, L.marginLeft * MM, doc.y, { width: column }).moveDown(1);
    // Paragraphs are separated by blank lines; single line breaks in the template are reflowed.
    const paragraphs = body.split(/\n\s*\n/).map((p) => p.replace(/\s*\n\s*/g, ' ').trim());
    doc.font(regular).fontSize(11);
    for (const paragraph of paragraphs) {
      doc.text(paragraph, L.marginLeft * MM, doc.y, { width: column, lineGap: 2 }).moveDown(0.8);
    }
    doc.end();
    return done;
  }

  private formatDate(date: Date): string {
    return this.dateFormat.format(date);
  }
}

/** A standard font as pdfkit builds it, minus what belongs to one document. */
interface ParsedFont {
  prototype: object;
  fields: Record<string, unknown>;
}

/** pdfkit's per-document font state (pdfkit 0.17); see withParsedFonts. */
interface PdfKitFontState {
  _font: Record<string, unknown> | null;
  _fontFamilies: Record<string, unknown>;
  _fontCount: number;
}

const parsedFonts = new Map<string, ParsedFont>();

/**
 * pdfkit reads and parses a standard font's AFM metrics for every document that uses it: about two
 * thirds of a letter's rendering time. The metrics never change, so each font is parsed once per
 * thread (from a probe document) and every document gets its own font object (own id, own PDF
 * object) sharing the parsed metrics; pdfkit then finds it in the document's font table and
 * embeds it as usual. This relies on pdfkit 0.17's font table (`_fontFamilies`, `_fontCount`,
 * the StandardFont fields); the spec checks that a letter comes out byte for byte as pdfkit alone
 * writes it, so an upgrade that changes them fails there.
 */
export function withParsedFonts(PDFDocument: typeof PDFKitDocument, doc: PDFKit.PDFDocument, names: readonly string[]): void {
  const state = doc as unknown as PdfKitFontState;
  for (const name of names) {
    if (state._fontFamilies[name]) continue;
    let parsed = parsedFonts.get(name);
    if (!parsed) {
      const probe = new PDFDocument({ font: name, autoFirstPage: false }) as unknown as PdfKitFontState;
      const { document: _document, id: _id, dictionary: _dictionary, ...fields } = probe._font!;
      parsed = { prototype: Object.getPrototypeOf(probe._font) as object, fields };
      parsedFonts.set(name, parsed);
    }
    state._fontFamilies[name] = Object.assign(Object.create(parsed.prototype) as object, parsed.fields, { document: doc, id: `F${++state._fontCount}` });
  }
}

/** Address fields are single lines; a line break in customer data must not move text around. */
export function cleanStrings<T extends object>(record: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = typeof v === 'string' ? cleanHeaderText(v) : v;
  return out as T;
}
