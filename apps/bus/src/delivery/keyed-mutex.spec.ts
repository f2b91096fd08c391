import { KeyedMutex } from './keyed-mutex';

describe(KeyedMutex.name, () => {
  it('should run tasks of one key one after another, in order', async () => {
    const sut = new KeyedMutex();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));

    const first = sut.run('C-1', async () => {
      await gate;
      order.push('first');
    });
    const second = sut.run('C-1', async () => order.push('second'));
    await Promise.resolve();
    expect(order).toEqual([]);
    release();
    await Promise.all([first, second]);

    expect(order).toEqual(['first', 'second']);
  });

  it('should not hold up other keys, and go on after a failed task', async () => {
    const sut = new KeyedMutex();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = sut.run('C-1', () => gate);

    await expect(sut.run('C-2', async () => 'other')).resolves.toBe('other');
    release();
    await slow;
    await expect(sut.run('C-1', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(sut.run('C-1', async () => 'after')).resolves.toBe('after');
  });
});
