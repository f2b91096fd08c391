import { RecordWindow } from './file.window';

/** A promise the test settles by hand. */
const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};
/** Lets the answers already given reach the window. */
const settle = () => new Promise((r) => setImmediate(r));

describe(RecordWindow.name, () => {
  it('should let a record start only fewer than size lines after the oldest unanswered one', async () => {
    const sut = new RecordWindow<string, void>(3);
    const first = deferred<void>();
    sut.start(10, 'a', () => first.promise);
    sut.start(11, 'b', async () => undefined);
    await settle();

    expect(sut.fits(12)).toBe(true);
    expect(sut.fits(13)).toBe(false); // line 11 answered, but line 10 is not: the window counts from 10

    first.resolve();
    await settle();
    expect(sut.fits(13)).toBe(true); // nothing unanswered
  });

  it('should give answers back in line order and stop at the first unanswered line', async () => {
    const sut = new RecordWindow<number, string>(8);
    const answers = [1, 2, 3, 4].map(() => deferred<string>());
    answers.forEach((d, i) => sut.start(i + 1, i + 1, () => d.promise));

    answers[3].resolve('four');
    answers[1].reject(new Error('two refused'));
    await settle();
    expect(sut.takeAnswered()).toEqual([]);

    answers[0].resolve('one');
    await settle();
    const taken = sut.takeAnswered();

    expect(taken.map((s) => [s.line, s.answer?.ok])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(sut.length).toBe(2);
    expect(sut.fits(10)).toBe(true); // 10 - 3 < 8: line 3 is the oldest unanswered now
    expect(sut.fits(11)).toBe(false);
  });

  it('should count a send that throws at once as a refused answer', async () => {
    const sut = new RecordWindow<number, void>(2);
    sut.start(1, 1, () => {
      throw new Error('no');
    });
    await settle();

    expect(sut.takeAnswered().map((s) => s.answer)).toEqual([{ ok: false, error: new Error('no') }]);
  });

  it('should wake the reader at the next answer and settle only when every record is answered', async () => {
    const sut = new RecordWindow<number, void>(4);
    const answers = [1, 2].map(() => deferred<void>());
    answers.forEach((d, i) => sut.start(i + 1, i + 1, () => d.promise));
    let settled = false;
    const all = sut.settled().then(() => (settled = true));
    const next = sut.nextAnswer();

    answers[1].resolve();
    await next;
    await settle();
    expect(settled).toBe(false);

    answers[0].resolve();
    await all;
    expect(sut.takeAnswered()).toHaveLength(2);
  });

  it('should refuse a size below 1', () => {
    expect(() => new RecordWindow(0)).toThrow('recordsInFlight must be an integer >= 1');
  });
});
