/**
 * Preloaded into the bus (`node -r`) by `npm run bench -- --profile`. Starts the V8 CPU profiler at
 * once and writes the profile to BENCH_CPU_PROFILE on SIGUSR2. `--cpu-prof` is not used because Nest's
 * shutdown hooks re-raise SIGTERM, and a process killed by a signal never writes its profile.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_CPU_PROFILE;
if (file) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')));
  process.on('SIGUSR2', () => {
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(file, JSON.stringify(result.profile));
      process.stderr.write(err ? `profile failed: ${err.message}\n` : `profile written: ${file}\n`);
    });
  });
}
