import { Registry } from 'prom-client';
import { registerDeadLetterGauge } from './dead-letters.gauge';

describe(registerDeadLetterGauge.name, () => {
  it('should report the current dead letters per destination at each scrape', async () => {
    const registry = new Registry();
    let counts: Record<string, number> = { billing: 3, printer: 0 };
    registerDeadLetterGauge(registry, async () => counts);

    expect(await registry.metrics()).toContain('bus_dead_letters{destination="billing"} 3');
    counts = { billing: 0 };
    const body = await registry.metrics();

    expect(body).toContain('bus_dead_letters{destination="billing"} 0');
    expect(body).not.toContain('destination="printer"');
  });

  it('should still answer a scrape when the store cannot be read, and say why', async () => {
    const registry = new Registry();
    const warnings: string[] = [];
    registerDeadLetterGauge(registry, () => Promise.reject(new Error('database is locked')), { warn: (m) => warnings.push(m) });

    expect(await registry.metrics()).not.toContain('bus_dead_letters{');
    expect(warnings).toEqual([expect.stringContaining('database is locked')]);
  });
});
