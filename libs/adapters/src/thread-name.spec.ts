import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { threadsNamed } from './testing/thread-names';

const onLinux = process.platform === 'linux' ? it : it.skip;

describe('nameThisThread', () => {
  onLinux('names the thread that calls it and no other', async () => {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       require(${JSON.stringify(join(__dirname, 'thread-name.ts'))}).nameThisThread('spec-thread-name-is-long');
       parentPort.postMessage('named');`,
      { eval: true, execArgv: ['--require', 'ts-node/register/transpile-only'] },
    );
    try {
      await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
      expect(threadsNamed('spec-thread-nam')).toBe(1);
      expect(readFileSync('/proc/self/comm', 'utf8').trim()).not.toBe('spec-thread-nam'); // the main thread keeps its name
    } finally {
      await worker.terminate();
    }
  });
});
