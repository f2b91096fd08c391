import { DestinationHealth } from './destination-health';

const http500 = { code: 'DELIVERY.TRANSIENT', message: 'billing answered 500', statusCode: 500 };

describe(DestinationHealth.name, () => {
  let now: number;
  let sut: DestinationHealth;

  beforeEach(() => {
    now = Date.parse('2026-12-04T10:00:00Z');
    sut = new DestinationHealth({ attempts: 10, windowMs: 60_000, threshold: 3, now: () => now });
  });

  it('should report nothing for a destination without recent attempts', () => {
    expect(sut.report('billing')).toBeUndefined();
  });

  it('should report a destination up while its deliveries succeed', () => {
    sut.succeeded('billing');
    expect(sut.report('billing')).toMatchObject({ state: 'up', attempts: 1, failed: 0 });
  });

  it('should report a destination degraded once enough recent attempts failed, naming the last answer', () => {
    for (let i = 0; i < 3; i++) sut.failed('billing', http500);

    const report = sut.report('billing');

    expect(report).toMatchObject({ state: 'degraded', attempts: 3, failed: 3, lastFailure: { statusCode: 500 } });
    expect(report?.detail).toContain('HTTP 500');
  });

  it('should not call one failed attempt degraded', () => {
    sut.succeeded('billing');
    sut.failed('billing', http500);
    expect(sut.report('billing')?.state).toBe('up');
  });

  it('should report the destination up again after its first success', () => {
    for (let i = 0; i < 5; i++) sut.failed('billing', http500);
    sut.succeeded('billing');
    expect(sut.report('billing')).toMatchObject({ state: 'up', failed: 5 });
  });

  it('should forget attempts older than the window', () => {
    for (let i = 0; i < 3; i++) sut.failed('billing', http500);
    now += 61_000;
    expect(sut.report('billing')).toBeUndefined();
    expect(sut.systems()).toEqual([]);
  });

  it('should remember only the last attempts of each destination', () => {
    for (let i = 0; i < 3; i++) sut.failed('billing', http500);
    for (let i = 0; i < 10; i++) sut.succeeded('billing');
    expect(sut.report('billing')).toMatchObject({ attempts: 10, failed: 0 });
  });

  it('should keep destinations apart', () => {
    for (let i = 0; i < 3; i++) sut.failed('billing', http500);
    sut.succeeded('sales');
    expect([sut.report('billing')?.state, sut.report('sales')?.state]).toEqual(['degraded', 'up']);
  });
});
