import { InMemoryJobStateStore } from './in-memory-job-state.store';
import { JobEffectResolver } from './job-effect.resolver';
import { JobTexts } from './job.errors';
import { JobRunner, type JobClock } from './job-runner';
import type { MailMergeJob } from './mail-merge.job';
import { ArraySource, customers, fakeJob, until } from './testing/fake-ports';

/** A clock the test moves; sleeps resolve at once. */
class TestClock implements JobClock {
  ms = Date.parse('2026-01-15T09:00:00Z');
  now = () => new Date(this.ms);
  sleep = async (ms: number) => void (this.ms += ms);
}

function setup(n = 5, overrides: Partial<MailMergeJob> = {}) {
  const clock = new TestClock();
  const store = new InMemoryJobStateStore(() => clock.ms);
  const { job, printer, email } = fakeJob(new ArraySource(customers(n)), { lockTtlMs: 10_000, ...overrides });
  const runner = (owner = 'bus-a') => new JobRunner({ store, jobs: new Map([[job.name, job]]), owner, clock });
  return { clock, store, job, printer, email, sut: runner(), runner };
}

/** Starts a run on `bus-a` that hangs on `customer`'s send to `port`: the instance dies there. */
async function dieWhileSending(ctx: ReturnType<typeof setup>, port: 'printer' | 'email', customer: string) {
  const target = ctx[port];
  target.behaviour = (c) => (c === customer ? 'hang' : undefined);
  await ctx.runner('bus-a').start('letters', { runKey: 'k1' });
  await until(() => target.hung.includes(customer));
  target.behaviour = () => undefined;
  ctx.clock.ms += 10_001; // bus-a's lease runs out: it renews no more
}

describe(`${JobRunner.name}: run keys and the effects ledger`, () => {
  it('should send nothing new when a completed run key is started again, and say so', async () => {
    const { sut, printer, email } = setup(3);
    const first = await sut.run('letters');
    const again = await sut.start('letters');
    expect(again).toMatchObject({ started: false, code: 'completed', runKey: '2026-01-15', completedAt: first?.finishedAt });
    expect(again.reason).toMatch(/^run key 2026-01-15 of job letters completed at 2026-01-15T09:00:00.000Z; nothing new was sent/);
    expect((await sut.start('letters', { runKey: '2026-01-15' })).code).toBe('completed');
    expect(printer.sent).toHaveLength(3);
    expect(email.sent).toHaveLength(3);
    expect(await sut.progress('letters')).toMatchObject({ state: 'completed', runKey: '2026-01-15', pass: 1, effects: { done: 6, unknown: 0 }, unknownEffects: 0 });
  });

  it('should run a new run key, such as the next day, in full', async () => {
    const { sut, clock, printer } = setup(2);
    await sut.run('letters');
    clock.ms += 86_400_000;
    expect(await sut.run('letters')).toMatchObject({ runKey: '2026-01-16', printed: 2, emailed: 2 });
    await sut.run('letters', { runKey: 'reminder-1' });
    expect(printer.customers()).toEqual(['C001', 'C002', 'C001', 'C002', 'C001', 'C002']);
  });

  it('should send everything again when forced, except an effect of unknown outcome', async () => {
    const ctx = setup(3, { concurrency: 1 });
    await dieWhileSending(ctx, 'email', 'C002');
    await ctx.runner('bus-b').run('letters');
    const forced = await ctx.runner('bus-b').start('letters', { runKey: 'k1', force: true });
    expect(forced).toMatchObject({ started: true, pass: 2 });
    const progress = await forced.finished;
    expect(ctx.printer.customers().sort()).toEqual(['C001', 'C001', 'C002', 'C002', 'C003', 'C003']);
    expect(ctx.email.customers().sort()).toEqual(['C001', 'C001', 'C003', 'C003']);
    expect(progress).toMatchObject({ pass: 2, printed: 3, emailed: 2, failed: 1, unknownEffects: 1 });
    expect(ctx.email.sent.filter((s) => s.customerId === 'C001').map((s) => s.ctx.idempotencyKey)).toEqual([
      'letters@k1/C001/notice.email:mailer',
      'letters@k1#2/C001/notice.email:mailer',
    ]);
  });

  it('should turn an e-mail a crash interrupted into unknown and never send it again on resume', async () => {
    const ctx = setup(4, { concurrency: 1 });
    await dieWhileSending(ctx, 'email', 'C003');
    const progress = await ctx.runner('bus-b').run('letters');
    expect(progress).toMatchObject({ state: 'completed', owner: 'bus-b', printed: 4, emailed: 3, failed: 1, effects: { unknown: 1, done: 7 }, unknownEffects: 1 });
    expect(progress?.failures).toEqual([{ customerId: 'C003', printed: true, reason: expect.stringMatching(/^e-mail outcome unknown: .*mailer cannot be asked.*effects\/resolve/) }]);
    expect(ctx.email.calls('C003')).toBe(1);
    expect(await ctx.store.listJobEffects('letters', { state: 'unknown' })).toEqual([
      expect.objectContaining({ runKey: 'k1', recipient: 'C003', effect: 'email', target: 'mailer', owner: 'bus-a' }),
    ]);
    expect(await ctx.runner('bus-b').retryFailed('letters').then((s) => s.finished)).toMatchObject({ emailed: 3, failed: 1 });
    expect(ctx.email.calls('C003')).toBe(1);
  });

  it('should mark a letter the printer reports as printed done without printing it again', async () => {
    const ctx = setup(3, { concurrency: 1 });
    await dieWhileSending(ctx, 'printer', 'C002');
    ctx.printer.arrived.add('C002'); // CUPS got the job before bus-a died
    const progress = await ctx.runner('bus-b').run('letters');
    expect(progress).toMatchObject({ printed: 3, emailed: 3, failed: 0, effects: { done: 6 } });
    expect(ctx.printer.calls('C002')).toBe(1);
    expect(ctx.printer.lookups).toEqual(['C002']);
    expect(ctx.email.customers().sort()).toEqual(['C001', 'C002', 'C003']);
  });

  it('should print a letter again once when the printer reports it never got it', async () => {
    const ctx = setup(3, { concurrency: 1 });
    await dieWhileSending(ctx, 'printer', 'C002');
    const progress = await ctx.runner('bus-b').run('letters');
    expect(progress).toMatchObject({ printed: 3, emailed: 3, failed: 0 });
    expect(ctx.printer.calls('C002')).toBe(2);
    expect(ctx.printer.customers().sort()).toEqual(['C001', 'C002', 'C003']);
  });

  it('should resume a run whose lease expired by itself, on exactly one instance', async () => {
    const ctx = setup(4, { concurrency: 1 });
    ctx.printer.behaviour = (c) => (c === 'C002' ? 'hang' : undefined);
    await ctx.runner('bus-a').start('letters');
    await until(() => ctx.printer.hung.includes('C002'));
    ctx.printer.behaviour = () => undefined;
    const [b, c] = [ctx.runner('bus-b'), ctx.runner('bus-c')];
    expect(await b.resumeAbandoned()).toEqual([]); // bus-a's lease is still live
    ctx.clock.ms += 10_001;
    const taken = (await Promise.all([b.resumeAbandoned(), c.resumeAbandoned()])).flat();
    expect(taken).toHaveLength(1);
    expect(await taken[0].finished).toMatchObject({ state: 'completed', printed: 4, emailed: 4 });
    expect(await b.resumeAbandoned()).toEqual([]);
    expect(ctx.printer.calls('C001')).toBe(1);
  });

  it('should hand a run over at once when its instance shuts down', async () => {
    const { sut, runner, email, printer } = setup(6, { concurrency: 1 });
    await sut.start('letters');
    await email.waitForSent(2);
    await sut.stopAll();
    expect(await sut.progress('letters')).toMatchObject({ state: 'interrupted', error: expect.stringMatching(/shut down/) });
    const [taken] = await runner('bus-b').resumeAbandoned(); // no wait for a lease to run out
    expect(await taken.finished).toMatchObject({ state: 'completed', owner: 'bus-b', printed: 6, emailed: 6 });
    expect(printer.customers()).toHaveLength(6);
  });

  it('should not resume a run an operator stopped', async () => {
    const { sut, runner, email, clock } = setup(6, { concurrency: 1 });
    const start = await sut.start('letters');
    await email.waitForSent(2);
    sut.stop('letters');
    await start.finished;
    clock.ms += 10_001;
    expect(await runner('bus-b').resumeAbandoned()).toEqual([]);
  });

  it('should refuse a new run key while another run is unfinished', async () => {
    const { sut, email } = setup(6, { concurrency: 1 });
    const start = await sut.start('letters', { runKey: 'a' });
    await email.waitForSent(2);
    sut.stop('letters');
    await start.finished;
    expect(await sut.start('letters', { runKey: 'b' })).toMatchObject({ started: false, code: 'unfinished', runKey: 'a' });
    expect(await sut.run('letters')).toMatchObject({ runKey: 'a', state: 'completed', emailed: 6 });
  });

  it('should treat a letter a bus without the ledger left in flight as unknown, not print it again', async () => {
    const { store, runner, printer, clock } = setup(3, { concurrency: 1 });
    const data = { letterDate: '2026-01-15T00:00:00.000Z', sessionStartedAt: '2026-01-15T08:00:00.000Z', sessionFinishedAtStart: 0 };
    await store.saveJobRun({ id: 'letters-20260115080000-ab12', name: 'letters', state: 'running', startedAt: '2026-01-15T08:00:00.000Z', owner: 'old-bus', total: 3, data });
    await store.markJobItem('letters-20260115080000-ab12', 'C001', 'printed');
    await store.markJobItem('letters-20260115080000-ab12', 'C001', 'emailed');
    await store.markJobItem('letters-20260115080000-ab12', 'C002', 'failed', JobTexts.inFlightPrint);
    clock.ms += 1000;
    const [taken] = await runner('bus-b').resumeAbandoned();
    expect(await taken.finished).toMatchObject({ state: 'completed', printed: 2, emailed: 2, failed: 1, unknownEffects: 1 });
    expect(printer.customers()).toEqual(['C003']);
  });

  it('should refuse a run key with characters a job name cannot carry', async () => {
    const { sut } = setup(1);
    await expect(sut.start('letters', { runKey: '../x' })).rejects.toThrow(/runKey "..\/x" is not usable/);
  });

  describe(JobEffectResolver.name, () => {
    it('should send an unknown e-mail once when an operator decides to send it', async () => {
      const ctx = setup(3, { concurrency: 1 });
      await dieWhileSending(ctx, 'email', 'C002');
      const b = ctx.runner('bus-b');
      await b.run('letters');
      const sut = new JobEffectResolver(b, ctx.store);
      const ref = { runKey: 'k1', recipient: 'C002', effect: 'email' as const };

      const results = await sut.resolve('letters', { action: 'send', reason: 'customer says no mail came', effects: [ref] });

      expect(results).toEqual([{ ...ref, outcome: 'done', detail: expect.stringMatching(/^e-mailed/) }]);
      expect(ctx.email.calls('C002')).toBe(2);
      expect(await sut.resolve('letters', { action: 'send', reason: 'again', effects: [ref] })).toEqual([{ ...ref, outcome: 'not-unknown', detail: expect.any(String) }]);
      expect(ctx.email.calls('C002')).toBe(2);
      expect(await b.progress('letters')).toMatchObject({ emailed: 3, failed: 0, unknownEffects: 0 });
    });

    it('should mark an unknown letter done without printing it and then send its e-mail', async () => {
      const ctx = setup(3, { concurrency: 1 });
      ctx.printer.unreachable = true;
      await dieWhileSending(ctx, 'printer', 'C002');
      const b = ctx.runner('bus-b');
      await b.run('letters');
      expect(ctx.email.calls('C002')).toBe(0);

      const results = await new JobEffectResolver(b, ctx.store).resolve('letters', { action: 'done', reason: 'found in the tray', runKey: 'k1' });

      expect(results).toEqual([{ runKey: 'k1', recipient: 'C002', effect: 'print', outcome: 'done', detail: 'marked done by an operator: found in the tray' }]);
      expect(ctx.printer.calls('C002')).toBe(1);
      expect(ctx.email.calls('C002')).toBe(1);
      expect(await b.progress('letters')).toMatchObject({ printed: 3, emailed: 3, failed: 0 });
    });

    it('should refuse to resolve while another instance holds the lease', async () => {
      const ctx = setup(3, { concurrency: 1 });
      ctx.email.behaviour = (c) => (c === 'C002' ? 'hang' : undefined);
      await ctx.runner('bus-a').start('letters');
      await until(() => ctx.email.hung.includes('C002'));
      const sut = new JobEffectResolver(ctx.runner('bus-b'), ctx.store);
      await expect(sut.resolve('letters', { action: 'done', reason: 'x', runKey: '2026-01-15' })).rejects.toThrow(/another bus instance holds its lease/);
    });
  });
});
