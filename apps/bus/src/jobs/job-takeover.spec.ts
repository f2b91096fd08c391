import type { JobRunner } from './job-runner';
import { JobTakeover } from './job-takeover';
import { until } from './testing/fake-ports';

describe(JobTakeover.name, () => {
  const runner = (resumeAbandoned: () => Promise<unknown>) => ({ resumeAbandoned }) as unknown as JobRunner;

  it('should look for abandoned runs at start and then every interval', async () => {
    let checks = 0;
    const sut = new JobTakeover(runner(async () => void checks++), 20);
    sut.start();
    await until(() => checks >= 3);
    sut.stop();
  });

  it('should report a store that cannot be asked and keep checking', async () => {
    const warnings: string[] = [];
    const sut = new JobTakeover(runner(() => Promise.reject(new Error('database is locked'))), 1000, { warn: (m: string) => warnings.push(m) });
    await sut.check();
    expect(warnings).toEqual(['jobs: cannot check for runs to take over (the store answered: database is locked); checking again in 1000 ms']);
  });

  it('should not check at all with an interval of 0', async () => {
    let checks = 0;
    new JobTakeover(runner(async () => void checks++), 0).start();
    await new Promise((r) => setImmediate(r));
    expect(checks).toBe(0);
  });
});
