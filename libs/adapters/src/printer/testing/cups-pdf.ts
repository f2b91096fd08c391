import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The CUPS queue and output folder scripts/ci/start-cups.sh sets up. */
export const CUPS_QUEUE = process.env.BUS_CUPS_QUEUE ?? 'bus-pdf';
export const CUPS_PDF_DIR = process.env.BUS_CUPS_PDF_DIR ?? '/var/spool/cups-pdf/bus';
export const CUPS_IPP_URL = `ipp://127.0.0.1:631/printers/${CUPS_QUEUE}`;

/**
 * Makes sure CUPS with the CUPS-PDF queue is running (installs it when missing; about a second
 * when it is already up). Fails with what to do instead of skipping.
 */
export function ensureCups(): void {
  const script = resolve(__dirname, '../../../../../scripts/ci/start-cups.sh');
  try {
    execFileSync('bash', [script], { stdio: 'pipe', timeout: 300_000 });
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    throw new Error(`CUPS with the ${CUPS_QUEUE} queue is needed: run \`sudo bash scripts/ci/start-cups.sh\` (${e.stderr?.toString().trim() || e.message})`);
  }
}

/** Polls the CUPS-PDF folder until a PDF whose name contains `namePart` appears; returns its bytes. */
export async function waitForPrintedPdf(namePart: string, timeoutMs = 20_000, dir = CUPS_PDF_DIR): Promise<{ file: string; pdf: Buffer }> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
    const file = (await readdir(dir)).find((f) => f.includes(namePart) && f.endsWith('.pdf'));
    if (file) {
      const pdf = await readFile(join(dir, file));
      // CUPS-PDF writes in place; a complete PDF ends with %%EOF.
      if (pdf.subarray(-1024).includes('%%EOF')) return { file, pdf };
    }
    if (Date.now() > deadline) throw new Error(`no PDF named *${namePart}* in ${dir} after ${timeoutMs} ms; see /var/log/cups/error_log`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** Names of printed PDFs in the CUPS-PDF folder containing `namePart`. */
export const printedPdfs = async (namePart: string, dir = CUPS_PDF_DIR): Promise<string[]> =>
  (await readdir(dir)).filter((f) => f.includes(namePart) && f.endsWith('.pdf'));

/** Text of a PDF via poppler's pdftotext (CUPS-PDF output is compressed). */
export const pdfToText = (pdf: Buffer): string => execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString('utf8');

/** Deletes the printed PDFs a test produced (names containing `namePart`). */
export async function removePrintedPdfs(namePart: string, dir = CUPS_PDF_DIR): Promise<void> {
  const { rm } = await import('node:fs/promises');
  await Promise.all((await printedPdfs(namePart, dir)).map((f) => rm(join(dir, f), { force: true })));
}
