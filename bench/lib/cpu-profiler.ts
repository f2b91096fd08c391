/**
 * Preloaded into the pipeline (`node -r`) by `npm run bench -- --profile`. Starts the V8 CPU profiler
 * on the first SIGWINCH and writes the profile to BENCH_CPU_PROFILE on the second. `--cpu-prof` is not used because Nest's
 * shutdown hooks re-raise SIGTERM, and a process killed by a signal never writes its profile. SIGWINCH
 * because Nest's shutdown hooks listen to SIGUSR2 and Node's inspector to SIGUSR1.
 * With BENCH_HEAP_PROFILE (`--alloc`) V8's sampling heap profiler runs over the same stretch, counting the
 * objects collected meanwhile too, and its profile is written there before the CPU profile is reported done.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_CPU_PROFILE;
const heapFile = process.env.BENCH_HEAP_PROFILE;
if (file) {
  const session = new Session();
  session.connect();
  let started = false;
  const startCpu = () => session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start', () => process.stderr.write('profile started\n'))));
  // One sample per 32 KB allocated on average (V8's default); collected objects are what the collector's work is about.
  const sampling = { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
  // First SIGWINCH (sent after the warm-up): start; second: stop and write. Start-up is left out.
  process.on('SIGWINCH', () => {
    if (!started) {
      started = true;
      if (heapFile) session.post('HeapProfiler.enable', () => session.post('HeapProfiler.startSampling', sampling, startCpu));
      else startCpu();
      return;
    }
    session.post('Profiler.stop', (err, result) => {
      if (err) return process.stderr.write(`profile failed: ${err.message}\n`);
      const done = () => {
        writeFileSync(file, JSON.stringify(result.profile));
        process.stderr.write(`profile written: ${file}\n`);
      };
      if (!heapFile) return done();
      session.post('HeapProfiler.stopSampling', (heapErr, heap) => {
        if (heapErr) return process.stderr.write(`profile failed: ${heapErr.message}\n`);
        writeFileSync(heapFile, JSON.stringify(heap.profile));
        done();
      });
    });
  });
}
