import { DispatchesInFlight } from './dispatches-in-flight';

describe(DispatchesInFlight.name, () => {
  const resolved = async (p: Promise<void>) => {
    let done = false;
    void p.then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    return done;
  };

  it('should be settled at once when nothing is in flight', async () => {
    const sut = new DispatchesInFlight();
    expect(await resolved(sut.settled('v2'))).toBe(true);
  });

  it('should wait for publishes routed by an older version, not for those of the current one', async () => {
    const sut = new DispatchesInFlight();
    const leaveOld = sut.enter('v1');
    const leaveOlder = sut.enter('v0');
    sut.enter('v2');
    const settled = sut.settled('v2');

    leaveOld();
    expect(await resolved(settled)).toBe(false);
    leaveOlder();
    expect(await resolved(settled)).toBe(true);
  });

  it('should count a publish once even when its leave is called twice', async () => {
    const sut = new DispatchesInFlight();
    const first = sut.enter('v1');
    sut.enter('v1');
    first();
    first();
    expect(await resolved(sut.settled('v2'))).toBe(false);
  });
});
