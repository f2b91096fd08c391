import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MappingError } from '../adapter.errors';
import { ADDRESS_WINDOW_MM } from './letter.layout';
import { LetterRenderer, withParsedFonts } from './letter.renderer';
import type { MergeRecipient } from './merge-recipient';
import { pdfText, pdfTextRuns } from './testing/pdf-text';

const template = readFileSync(join(__dirname, '../../../../config/templates/letter.hbs'), 'utf8');
const sender = { name: 'Acme Telecom GmbH', street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin' };
const recipient: MergeRecipient = {
  customerId: 'C-1001', name: 'Jürgen Müller', street: 'Am Weg 7', postalCode: '50667', city: 'Köln', email: 'jm@example.com',
};
const date = new Date('2026-01-15T00:00:00Z');

describe(LetterRenderer.name, () => {
  const sut = new LetterRenderer({ template, templateName: 'letter.hbs', sender, compress: false });

  it('should print the name and address of the customer in the letter', async () => {
    const text = pdfText(await sut.render({ recipient, date }));
    expect(text).toContain('Jürgen Müller');
    expect(text).toContain('Am Weg 7');
    expect(text).toContain('50667 Köln');
    expect(text).toContain('Dear Jürgen Müller,');
  });

  it('should place every address line inside the DL envelope window', async () => {
    const runs = pdfTextRuns(await sut.render({ recipient: { ...recipient, country: 'Germany' }, date }));
    const w = ADDRESS_WINDOW_MM;
    for (const line of ['Jürgen Müller', 'Am Weg 7', '50667 Köln', 'GERMANY', 'Acme Telecom GmbH · Hauptstr. 1 · 10115 Berlin']) {
      const run = runs.find((r) => r.text === line);
      expect(run).toBeDefined();
      expect(run!.xMm).toBeGreaterThanOrEqual(w.left);
      expect(run!.xMm).toBeLessThan(w.left + w.width);
      expect(run!.yMm).toBeGreaterThan(w.top);
      expect(run!.yMm).toBeLessThan(w.top + w.height);
    }
  });

  it('should print the sender line, the date passed in and the subject', async () => {
    const text = pdfText(await sut.render({ recipient, date }));
    expect(text).toContain('Acme Telecom GmbH · Hauptstr. 1 · 10115 Berlin');
    expect(text).toContain('15. Januar 2026');
    expect(text).toContain('Your new contract terms');
  });

  it('should give the same bytes for the same input', async () => {
    const a = await sut.render({ recipient, date });
    const b = await sut.render({ recipient, date });
    expect(a.equals(b)).toBe(true);
  });

  it('should produce a compressed PDF by default', async () => {
    const pdf = await new LetterRenderer({ template, templateName: 'letter.hbs', sender }).render({ recipient, date });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('/FlateDecode');
  });

  it('should keep a line break in a name from moving the address lines', async () => {
    const runs = pdfTextRuns(await sut.render({ recipient: { ...recipient, name: 'Eve\r\nEvil Street 1' }, date }));
    expect(runs.map((r) => r.text)).toContain('Eve Evil Street 1');
  });

  it('should refuse a customer without a street, naming the customer and the field', async () => {
    await expect(sut.render({ recipient: { ...recipient, street: ' ' }, date })).rejects.toThrow(MappingError);
    await expect(sut.render({ recipient: { ...recipient, street: '' }, date })).rejects.toThrow(/C-1001: missing street/);
  });

  it('should reject a template that does not compile when it is loaded', () => {
    expect(() => new LetterRenderer({ template: 'Dear {{#if name}', templateName: 'broken.hbs', sender })).toThrow(/broken.hbs/);
  });
});

describe(withParsedFonts.name, () => {
  const write = async (doc: PDFKit.PDFDocument, draw: (d: PDFKit.PDFDocument) => void): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((resolve) => doc.on('end', resolve));
    draw(doc);
    doc.end();
    await ended;
    return Buffer.concat(chunks);
  };
  const draw = (d: PDFKit.PDFDocument) => d.fontSize(10).text('Jürgen Müller, Am Weg 7').font('Helvetica-Bold').text('AVAWAY kerning Ω').font('Helvetica').text('again');
  const info = { CreationDate: new Date('2026-01-15T00:00:00Z') };

  it.each([true, false])('should give the same bytes as pdfkit parsing the fonts itself (compress %s)', async (compress) => {
    const PDFDocument = (await import('pdfkit')).default;
    const own = await write(new PDFDocument({ compress, info }), draw);
    for (let i = 0; i < 2; i++) {
      const doc = new PDFDocument({ compress, info, font: null as unknown as string });
      withParsedFonts(PDFDocument, doc, ['Helvetica', 'Helvetica-Bold']);
      expect(await write(doc.font('Helvetica'), draw)).toEqual(own);
    }
  });
});
