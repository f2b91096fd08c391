/**
 * Preloaded into the pipeline (`node -r`) by `npm run bench -- --profile`. Starts the V8 CPU profiler
 * on the first SIGWINCH and writes the profile to BENCH_CPU_PROFILE on the second. `--cpu-prof` is not used because Nest's
 * shutdown hooks re-raise SIGTERM, and a process killed by a signal never writes its profile. SIGWINCH
 * because Nest's shutdown hooks listen to SIGUSR2 and Node's inspector to SIGUSR1.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_CPU_PROFILE;
if (file) {
  const session = new Session();
  session.connect();
  let started = false;
  // First SIGWINCH (sent after the warm-up): start; second: stop and write. Start-up is left out.
  process.on('SIGWINCH', () => {
    if (!started) {
      started = true;
      session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start', () => process.stderr.write('profile started\n'))));
      return;
    }
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(file, JSON.stringify(result.profile));
      process.stderr.write(err ? `profile failed: ${err.message}\n` : `profile written: ${file}\n`);
    });
  });
}
