import { AckBatcher, type AckSink } from './ack-batcher';

function recordingSink() {
  const calls: string[] = [];
  const sink: AckSink = {
    ack: (tag, multiple) => calls.push(multiple ? `ack<=${tag}` : `ack ${tag}`),
    nack: (tag, requeue) => calls.push(`nack ${tag}${requeue ? ' requeue' : ''}`),
  };
  return { sink, calls };
}

describe(AckBatcher.name, () => {
  it('should ack a contiguous run of settled tags with one multiple ack', () => {
    const { sink, calls } = recordingSink();
    const sut = new AckBatcher(sink, { maxMessages: 100 });
    [1, 2, 3].forEach((t) => sut.track(t));
    [2, 1, 3].forEach((t) => sut.ack(t));
    sut.flush();
    expect(calls).toEqual(['ack<=3']);
  });

  it('should never multi-ack past a message still in flight', () => {
    const { sink, calls } = recordingSink();
    const sut = new AckBatcher(sink, { maxMessages: 100 });
    [1, 2, 3, 4].forEach((t) => sut.track(t));
    [1, 2, 4].forEach((t) => sut.ack(t));
    sut.flush();
    expect(calls).toEqual(['ack<=2', 'ack 4']);
    sut.ack(3);
    sut.flush();
    expect(calls).toEqual(['ack<=2', 'ack 4', 'ack 3']);
  });

  it('should send a single ack for a run of one', () => {
    const { sink, calls } = recordingSink();
    const sut = new AckBatcher(sink);
    sut.track(7);
    sut.ack(7);
    sut.flush();
    expect(calls).toEqual(['ack 7']);
  });

  it('should flush by itself once maxMessages acks wait', () => {
    const { sink, calls } = recordingSink();
    const sut = new AckBatcher(sink, { maxMessages: 2 });
    [1, 2].forEach((t) => sut.track(t));
    sut.ack(1);
    expect(calls).toEqual([]);
    sut.ack(2);
    expect(calls).toEqual(['ack<=2']);
  });

  describe('timing', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('should flush by itself after maxDelayMs', () => {
      const { sink, calls } = recordingSink();
      const sut = new AckBatcher(sink, { maxDelayMs: 5 });
      [1, 2].forEach((t) => sut.track(t));
      sut.ack(1);
      sut.ack(2);
      jest.advanceTimersByTime(4);
      expect(calls).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(calls).toEqual(['ack<=2']);
    });

    it('should flush by itself on the next turn of the event loop when maxDelayMs is 0', () => {
      const { sink, calls } = recordingSink();
      const sut = new AckBatcher(sink, { maxDelayMs: 0 });
      sut.track(1);
      sut.ack(1);
      expect(calls).toEqual([]);
      jest.runAllTicks();
      jest.runOnlyPendingTimers();
      expect(calls).toEqual(['ack 1']);
    });
  });

  it('should nack at once and leave the tag out of later multiple acks', () => {
    const { sink, calls } = recordingSink();
    const sut = new AckBatcher(sink, { maxMessages: 100 });
    [1, 2, 3].forEach((t) => sut.track(t));
    sut.nack(2, true);
    sut.ack(1);
    sut.ack(3);
    sut.flush();
    expect(calls).toEqual(['nack 2 requeue', 'ack<=3']);
  });

  it('should send nothing once discarded', () => {
    const { sink, calls } = recordingSink();
    const sut = new AckBatcher(sink);
    sut.track(1);
    sut.discard();
    sut.ack(1);
    sut.flush();
    expect(calls).toEqual([]);
    expect(sut.isDiscarded).toBe(true);
  });
});
