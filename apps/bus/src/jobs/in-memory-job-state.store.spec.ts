import { InMemoryJobStateStore } from './in-memory-job-state.store';

describe(InMemoryJobStateStore.name, () => {
  it('should list only the failed items, or only the others, when asked to', async () => {
    const sut = new InMemoryJobStateStore();
    await sut.markJobItem('run', 'c2', 'printed');
    await sut.markJobItem('run', 'c2', 'failed', 'SMTP refused');
    await sut.markJobItem('run', 'c1', 'printed');
    await sut.markJobItem('run', 'c3', 'failed', 'printer error');

    expect((await sut.jobItems('run', { failed: true })).map((i) => [i.itemKey, i.detail])).toEqual([['c2', 'SMTP refused'], ['c3', 'printer error']]);
    expect((await sut.jobItems('run', { failed: false })).map((i) => i.itemKey)).toEqual(['c1']);
    expect((await sut.jobItems('run')).map((i) => i.itemKey)).toEqual(['c1', 'c2', 'c3']);
  });
});
