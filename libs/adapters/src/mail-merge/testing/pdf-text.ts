/**
 * Reads the text runs back out of an uncompressed pdfkit PDF (`compress: false`), for specs.
 * pdfkit writes each run as `1 0 0 1 x y Tm` followed by a `[<hex> kern <hex>] TJ` array in
 * WinAnsi encoding; this is not a general PDF parser.
 */
export interface PdfTextRun {
  /** Distance from the left page edge, in millimetres. */
  xMm: number;
  /** Distance of the baseline from the top page edge, in millimetres. */
  yMm: number;
  text: string;
}

const PT_PER_MM = 72 / 25.4;

export function pdfTextRuns(pdf: Buffer, pageHeightPt = 841.89): PdfTextRun[] {
  const source = pdf.toString('latin1');
  const runs: PdfTextRun[] = [];
  const pattern = /1 0 0 1 ([\d.-]+) ([\d.-]+) Tm[\s\S]*?\[((?:<[0-9a-f]*>|[\s\d.-])*)\] TJ/g;
  for (const m of source.matchAll(pattern)) {
    const text = [...m[3].matchAll(/<([0-9a-f]*)>/g)].map((h) => Buffer.from(h[1], 'hex').toString('latin1')).join('');
    runs.push({ xMm: Number(m[1]) / PT_PER_MM, yMm: (pageHeightPt - Number(m[2])) / PT_PER_MM, text });
  }
  return runs;
}

/** All text of the PDF, one run per line. */
export const pdfText = (pdf: Buffer): string => pdfTextRuns(pdf).map((r) => r.text).join('\n');
