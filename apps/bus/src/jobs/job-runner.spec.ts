import { InMemoryJobStateStore } from './in-memory-job-state.store';
import { JobRunner, type JobClock } from './job-runner';
import { JobScheduler } from './job-scheduler';
import { UnknownJobError } from './job.errors';
import type { MailMergeJob } from './mail-merge.job';
import { ArraySource, customers, fakeJob, permanent, transient, until } from './testing/fake-ports';

/** A clock the test moves; sleeps resolve at once (attempt delays are not what is tested). */
class TestClock implements JobClock {
  ms = Date.parse('2026-01-15T09:00:00Z');
  now = () => new Date(this.ms);
  sleep = async (ms: number) => void (this.ms += ms);
}

function setup(n = 5, overrides: Partial<MailMergeJob> = {}) {
  const clock = new TestClock();
  const store = new InMemoryJobStateStore(() => clock.ms);
  const source = new ArraySource(customers(n));
  const { job, printer, email } = fakeJob(source, overrides);
  const runner = (owner = 'bus-a') => new JobRunner({ store, jobs: new Map([[job.name, job]]), owner, clock });
  return { clock, store, source, job, printer, email, sut: runner(), runner };
}

describe(JobRunner.name, () => {
  it('should print and e-mail every customer once and report the run completed', async () => {
    const { sut, printer, email } = setup(5);
    const progress = await sut.run('letters');
    expect(printer.customers().sort()).toEqual(['C001', 'C002', 'C003', 'C004', 'C005']);
    expect(email.customers().sort()).toEqual(['C001', 'C002', 'C003', 'C004', 'C005']);
    expect(progress).toMatchObject({ state: 'completed', total: 5, printed: 5, emailed: 5, failed: 0, inFlight: 0, etaSeconds: 0, failures: [] });
    expect(printer.sent[0].msg.contentType).toBe('application/pdf');
    expect(printer.sent[0].msg.body.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('should only serve the customers the selection picks', async () => {
    const { sut, printer } = setup(6, { selects: async (r) => r.status === 'active' });
    const progress = await sut.run('letters');
    expect(printer.customers().sort()).toEqual(['C001', 'C003', 'C005']);
    expect(progress?.total).toBe(3);
  });

  it('should report a bad address while the other customers complete', async () => {
    const { sut, source, email } = setup(4);
    source.records[1].email = 'not-an-address';
    const progress = await sut.run('letters');
    expect(email.customers().sort()).toEqual(['C001', 'C003', 'C004']);
    expect(progress).toMatchObject({ state: 'completed', printed: 4, emailed: 3, failed: 1 });
    expect(progress?.failures).toEqual([{ customerId: 'C002', printed: true, reason: expect.stringMatching(/^e-mail: .*C002.*not a valid e-mail address/) }]);
  });

  it('should report an SMTP refusal and a printer error with their reasons', async () => {
    const { sut, printer, email } = setup(3);
    printer.behaviour = (c) => (c === 'C001' ? permanent('client-error-document-format-not-supported') : undefined);
    email.behaviour = (c) => (c === 'C002' ? permanent('550 5.1.1 mailbox unavailable') : undefined);
    const progress = await sut.run('letters');
    expect(progress?.failures).toEqual([
      { customerId: 'C001', printed: false, reason: 'print via printer: client-error-document-format-not-supported' },
      { customerId: 'C002', printed: true, reason: 'e-mail via mailer: 550 5.1.1 mailbox unavailable' },
    ]);
    expect(email.customers()).toEqual(['C003']);
  });

  it('should retry transient errors within the item and fail it after the configured attempts', async () => {
    const { sut, printer } = setup(2, { attempts: 3 });
    printer.behaviour = (c, attempt) => (c === 'C001' && attempt < 3 ? transient() : c === 'C002' ? transient() : undefined);
    const progress = await sut.run('letters');
    expect(printer.customers()).toEqual(['C001']);
    expect(progress?.failures).toEqual([{ customerId: 'C002', printed: false, reason: 'print via printer: 451 try again later (after 3 attempts)' }]);
  });

  it('should retry only the failed items of the last run', async () => {
    const { sut, printer, email } = setup(3);
    email.behaviour = (c) => (c === 'C002' ? transient() : undefined);
    await sut.run('letters');
    email.behaviour = () => undefined;
    const start = await sut.retryFailed('letters');
    const progress = await start.finished;
    expect(start.started).toBe(true);
    expect(printer.customers().sort()).toEqual(['C001', 'C002', 'C003']);
    expect(email.customers().sort()).toEqual(['C001', 'C002', 'C003']);
    expect(progress).toMatchObject({ state: 'completed', printed: 3, emailed: 3, failed: 0 });
    expect((await sut.retryFailed('letters')).reason).toMatch(/no run with failed items/);
  });

  it('should resume a stopped run without printing or e-mailing anyone twice', async () => {
    const { sut, printer, email } = setup(10, { concurrency: 1 });
    const start = await sut.start('letters');
    await email.waitForSent(4);
    sut.stop('letters');
    const stopped = await start.finished;
    expect(stopped?.state).toBe('stopped');
    expect(stopped!.emailed).toBeLessThan(10);
    const resumed = await sut.run('letters');
    expect(resumed).toMatchObject({ state: 'completed', runId: stopped!.runId, printed: 10, emailed: 10, failed: 0 });
    expect(printer.customers().sort()).toEqual(customers(10).map((c) => c.customerId));
    expect(email.customers().sort()).toEqual(customers(10).map((c) => c.customerId));
  });

  it('should take over a run whose instance died, reporting the letter in flight as unknown when the printer cannot be asked', async () => {
    const { clock, printer, runner } = setup(5, { concurrency: 1 });
    printer.unreachable = true;
    printer.behaviour = (c) => (c === 'C003' ? 'hang' : undefined); // bus-a dies while CUPS takes C003
    const dying = runner('bus-a');
    await dying.start('letters');
    await until(() => printer.hung.includes('C003'));
    const other = runner('bus-b');
    expect((await other.start('letters')).reason).toMatch(/another bus instance holds the job lock/);
    clock.ms += 61_000; // bus-a's lease runs out
    printer.behaviour = () => undefined;
    const progress = await other.run('letters');
    expect(progress).toMatchObject({ state: 'completed', owner: 'bus-b', printed: 4, emailed: 4, failed: 1 });
    expect(progress?.failures).toEqual([{ customerId: 'C003', printed: false, reason: expect.stringMatching(/^print outcome unknown: .*printer unreachable/) }]);
    expect(printer.customers().sort()).toEqual(['C001', 'C002', 'C004', 'C005']);
  });

  it('should let only one of two racing instances run the job', async () => {
    const { runner, printer } = setup(3);
    const [a, b] = await Promise.all([runner('bus-a').start('letters'), runner('bus-b').start('letters')]);
    expect([a.started, b.started].sort()).toEqual([false, true]);
    await Promise.all([a.finished, b.finished]);
    expect(printer.customers()).toHaveLength(3);
  });

  it('should not start the job twice on one instance', async () => {
    const { sut, printer } = setup(3);
    const [a, b] = await Promise.all([sut.start('letters'), sut.start('letters')]);
    expect([a.reason, b.reason]).toContain('the job is already running on this instance');
    await Promise.all([a.finished, b.finished]);
    expect(printer.customers()).toHaveLength(3);
  });

  it('should run a schedule slot on exactly one instance, once', async () => {
    const { runner, printer, job } = setup(3);
    const slot = new Date('2026-01-15T06:00:00Z');
    const schedulers = ['bus-a', 'bus-b'].map((o) => new JobScheduler(runner(o), [{ name: job.name, schedule: '0 6 * * *' }]));
    await Promise.all(schedulers.map((s) => s.tick('letters', slot)));
    await schedulers[1].tick('letters', slot); // a late tick of the same slot after the run finished
    expect(printer.customers()).toHaveLength(3);
    await schedulers[0].tick('letters', new Date('2026-01-16T06:00:00Z'));
    expect(printer.customers()).toHaveLength(6);
  });

  it('should keep at most `concurrency` letters in flight', async () => {
    const { sut, printer } = setup(20, { concurrency: 3 });
    await sut.run('letters');
    expect(printer.customers()).toHaveLength(20);
    expect(printer.maxInFlight).toBeLessThanOrEqual(3);
  });

  it('should give a customer that appears twice in the source only one letter', async () => {
    const { sut, source, printer } = setup(2);
    source.records.push({ ...source.records[0] });
    await sut.run('letters');
    expect(printer.customers().sort()).toEqual(['C001', 'C002']);
  });

  it('should fail the run with the reason when the source cannot be read', async () => {
    const { sut, source } = setup(2);
    source.read = async function* () {
      throw new Error('csv customers.csv: header line lacks street');
    };
    expect(await sut.run('letters')).toMatchObject({ state: 'failed', error: 'csv customers.csv: header line lacks street' });
    expect((await sut.progress('letters'))?.state).toBe('failed');
  });

  it('should refuse an unknown job naming the known ones', async () => {
    const { sut } = setup(1);
    await expect(sut.start('nope')).rejects.toThrow(new UnknownJobError('nope', ['letters']));
  });

  it('should show throughput and time left while running', async () => {
    const { sut, email, clock } = setup(10, { concurrency: 1 });
    email.behaviour = (c) => (c === 'C006' ? 'hang' : undefined);
    await sut.start('letters');
    await until(async () => (await sut.progress('letters'))?.emailed === 5 && email.hung.length === 1);
    clock.ms += 5_000;
    const progress = await sut.progress('letters');
    expect(progress).toMatchObject({ state: 'running', total: 10, emailed: 5, failed: 0, inFlight: 1, throughputPerSecond: 1, etaSeconds: 5 });
  });
});
