import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MappingError } from '../adapter.errors';
import { LetterRenderPool } from './letter-render.pool';
import { LetterRenderer, type LetterRendererOptions } from './letter.renderer';
import type { MergeRecipient } from './merge-recipient';
import { pdfText } from './testing/pdf-text';
import { threadsNamed } from '../testing/thread-names';

const options: LetterRendererOptions = {
  template: readFileSync(join(__dirname, '../../../../config/templates/letter.hbs'), 'utf8'),
  templateName: 'letter.hbs',
  sender: { name: 'Acme Telecom GmbH', street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin' },
  compress: false,
};
const recipient = (i: number): MergeRecipient => ({ customerId: `C-${i}`, name: `Jürgen Müller ${i}`, street: 'Am Weg 7', postalCode: '50667', city: 'Köln', email: 'jm@example.com' });
const date = new Date('2026-01-15T00:00:00Z');

/** Waits until `condition` holds (the pool's threads end in the background). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}

describe(LetterRenderPool.name, () => {
  let sut: LetterRenderPool;
  afterEach(() => sut.close());

  it('should render on its threads the same letter the renderer renders here', async () => {
    const renderThreadsBefore = process.platform === 'linux' ? threadsNamed('bus-render') : 0;
    sut = new LetterRenderPool(options, { threads: 2 });
    const here = new LetterRenderer(options);
    const letters = await Promise.all(Array.from({ length: 7 }, (_, i) => sut.render({ recipient: recipient(i), date, extra: { job: 'j' } })));
    for (const [i, pdf] of letters.entries()) {
      expect(pdf).toEqual(await here.render({ recipient: recipient(i), date, extra: { job: 'j' } }));
      expect(pdfText(pdf)).toContain(`Dear Jürgen Müller ${i},`);
    }
    expect(sut.running).toBe(2);
    if (process.platform === 'linux') expect(threadsNamed('bus-render')).toBe(renderThreadsBefore + 2);
  });

  it('should refuse a letter without an address as a MappingError naming the customer and the field', async () => {
    sut = new LetterRenderPool(options, { threads: 1 });
    const error = await sut.render({ recipient: { ...recipient(1), street: '' }, date }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).message).toMatch(/customer C-1: missing street/);
    expect((error as MappingError).location).toBe('street');
    expect(pdfText(await sut.render({ recipient: recipient(2), date }))).toContain('Jürgen Müller 2');
  });

  it('should end its threads when idle and start them again for the next letter', async () => {
    sut = new LetterRenderPool(options, { threads: 1, idleMs: 0 });
    await sut.render({ recipient: recipient(1), date });
    await until(() => sut.running === 0);
    expect(pdfText(await sut.render({ recipient: recipient(2), date }))).toContain('Jürgen Müller 2');
  });

  it('should reject the letters still waiting when it is closed, and every letter after', async () => {
    sut = new LetterRenderPool(options, { threads: 1 });
    const letters = Array.from({ length: 5 }, (_, i) => sut.render({ recipient: recipient(i), date }).then(() => 'rendered', (e: Error) => e.message));
    await sut.close();
    expect(await Promise.all(letters)).toContain('the letter render pool is closed');
    await expect(sut.render({ recipient: recipient(9), date })).rejects.toThrow(/closed/);
    expect(sut.running).toBe(0);
  });

  it('should keep a process alive while it renders and let it end once the letters are done, without close()', async () => {
    const script = [
      `const { LetterRenderPool } = require(${JSON.stringify(join(__dirname, 'letter-render.pool'))});`,
      `const pool = new LetterRenderPool(${JSON.stringify(options)}, { threads: 1, idleMs: 600000 });`,
      `pool.render({ recipient: ${JSON.stringify(recipient(1))}, date: new Date() }).then((pdf) => console.log('rendered', pdf.length > 0));`,
    ].join('\n');
    const root = join(__dirname, '../../../..');
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script], { cwd: root, timeout: 50_000 });
    expect(stdout.trim()).toBe('rendered true');
  });
});
