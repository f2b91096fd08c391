import { TurnBatches } from './turn-batches';

describe(TurnBatches.name, () => {
  const collect = (limits: { maxItems: number; maxBytes?: number }) => {
    const sent: Array<[string, number[]]> = [];
    return { sent, sut: new TurnBatches<number>((key, items) => sent.push([key, items]), limits) };
  };

  it('should send what one turn added, by key, once its promise jobs are drained', async () => {
    const { sent, sut } = collect({ maxItems: 10 });
    await Promise.all([1, 2, 3].map(async (n) => {
      await Promise.resolve();
      sut.add(n % 2 ? 'odd' : 'even', n);
    }));
    expect(sent).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));

    expect(sent).toEqual([['odd', [1, 3]], ['even', [2]]]);
  });

  it('should send a group at once when it reaches its item or byte limit, and the rest after the turn', async () => {
    const { sent, sut } = collect({ maxItems: 2, maxBytes: 100 });
    sut.add('a', 1);
    sut.add('a', 2);
    sut.add('b', 3, 100);
    sut.add('a', 4);
    expect(sent).toEqual([['a', [1, 2]], ['b', [3]]]);
    await new Promise((resolve) => setImmediate(resolve));

    expect(sent).toEqual([['a', [1, 2]], ['b', [3]], ['a', [4]]]);
  });

  it('should send a key at once when asked, keeping the order of the calls', () => {
    const { sent, sut } = collect({ maxItems: 10 });
    sut.add('a', 1);
    sut.flush('a');
    sut.flush('a');

    expect(sent).toEqual([['a', [1]]]);
  });
});
