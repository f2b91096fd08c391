import { parentPort, workerData } from 'node:worker_threads';
import { nameThisThread } from '../thread-name';
import { LetterRenderer, type LetterData, type LetterRendererOptions } from './letter.renderer';

/** A render request from LetterRenderPool. */
export interface RenderTask {
  id: number;
  data: LetterData;
}

/** The answer: the PDF's bytes (own buffer, transferred), or what went wrong. */
export type RenderResult = { id: number; pdf: Uint8Array } | { id: number; error: { name: string; message: string; location?: string } };

nameThisThread('bus-render');
// One renderer per thread: its parsed fonts and compiled template serve every letter the thread renders.
const renderer = new LetterRenderer(workerData as LetterRendererOptions);
const port = parentPort!;

port.on('message', ({ id, data }: RenderTask) => {
  renderer.render(data).then(
    (pdf) => {
      // A copy in a buffer of its own: a small Buffer is a view into Node's shared 8 KB pool, which
      // must not be transferred, and cloning the view would copy the whole pool.
      const own = new Uint8Array(pdf.length);
      own.set(pdf);
      port.postMessage({ id, pdf: own } satisfies RenderResult, [own.buffer]);
    },
    (error: unknown) => {
      const e = error as { name?: string; message?: string; location?: string };
      port.postMessage({ id, error: { name: e.name ?? 'Error', message: e.message ?? String(error), location: e.location } } satisfies RenderResult);
    },
  );
});
