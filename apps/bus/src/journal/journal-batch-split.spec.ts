import type { JournalEvent } from '../store/bus-store';
import { writeInHalves } from './journal-batch-split';

const event = (id: string): JournalEvent => ({ kind: 'hop', messageId: id, hop: { kind: 'delivered', at: '2026-12-04T10:00:00.000Z', destination: 'billing' } });
const idsOf = (events: JournalEvent[]) => events.map((e) => (e.kind === 'hop' ? e.messageId : e.message.id));

/** A store that refuses any batch holding one of `poison`, or everything while `down`. */
function store(poison: string[], options: { down?: boolean } = {}) {
  const written: JournalEvent[] = [];
  let calls = 0;
  return {
    written,
    calls: () => calls,
    append: async (events: JournalEvent[]) => {
      calls++;
      if (options.down) throw new Error('store unavailable');
      const bad = idsOf(events).find((id) => poison.includes(id));
      if (bad) throw new Error(`cannot serialise ${bad}`);
      written.push(...events);
    },
  };
}

describe(writeInHalves.name, () => {
  const batch = (n: number) => Array.from({ length: n }, (_, i) => event(`m${i}`));

  it('should write every event but the poison one, in order, and name the poison one with its error', async () => {
    const sut = store(['m37']);
    const events = batch(100);

    const result = await writeInHalves(events, new Error('batch failed'), sut.append);

    expect(idsOf(sut.written)).toEqual(idsOf(events).filter((id) => id !== 'm37'));
    expect(result.written).toBe(99);
    expect(result.poison).toEqual([{ event: events[37], error: new Error('cannot serialise m37') }]);
    expect(result.kept).toEqual([]);
    expect(sut.calls()).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(100)) + 2);
  });

  it('should drop a poison event at the very start of the batch', async () => {
    const sut = store(['m0']);

    const result = await writeInHalves(batch(500), new Error('batch failed'), sut.append);

    expect(result.poison.map((p) => idsOf([p.event])[0])).toEqual(['m0']);
    expect(sut.written).toHaveLength(499);
  });

  it('should drop two poison events, adjacent or apart', async () => {
    for (const poison of [['m10', 'm11'], ['m3', 'm90']]) {
      const sut = store(poison);

      const result = await writeInHalves(batch(128), new Error('batch failed'), sut.append);

      expect(result.poison.map((p) => idsOf([p.event])[0])).toEqual(poison);
      expect(sut.written).toHaveLength(126);
    }
  });

  it('should keep a last event that failed with no write after it, for the next flush to settle', async () => {
    const sut = store(['m9']);

    const result = await writeInHalves(batch(10), new Error('batch failed'), sut.append);

    expect(sut.written).toHaveLength(9);
    expect(result.poison).toEqual([]);
    expect(idsOf(result.kept)).toEqual(['m9']);
  });

  it('should keep everything, after a few tries, when the store fails every write', async () => {
    const sut = store([], { down: true });
    const events = batch(500);

    const result = await writeInHalves(events, new Error('store unavailable'), sut.append);

    expect(result).toEqual({ written: 0, poison: [], kept: events });
    expect(sut.calls()).toBeLessThanOrEqual(Math.ceil(Math.log2(500)) + 4);
  });
});
