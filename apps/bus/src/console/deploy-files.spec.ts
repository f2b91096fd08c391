import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { DestinationHealth } from '../health/destination-health';
import { registerDeadLetterGauge } from '../metrics/dead-letters.gauge';
import { registerJournalMetrics } from '../metrics/journal.metrics';
import { MetricsService } from '../metrics/metrics.service';
import { ServiceLevelMetrics } from './service-level.metrics';

const DEPLOY = resolve(__dirname, '../../../../deploy');

/** Every metric the bus registers: MetricsService, the dead-letter gauge, the journal's and the service-level metrics. */
function exportedMetrics(): Set<string> {
  const metrics = new MetricsService({ defaultMetrics: false, destinationHealth: new DestinationHealth() });
  registerDeadLetterGauge(metrics.registry, async () => ({}));
  registerJournalMetrics(metrics.registry, { buffered: 0, failing: false, droppedTotal: 0 });
  const never = {} as never;
  new ServiceLevelMetrics(metrics, never, never, never, never, { env: never } as never, never).onApplicationBootstrap();
  const names = new Set<string>();
  for (const m of metrics.registry.getMetricsAsArray()) {
    names.add(m.name);
    // Histograms are queried by their series (prom-client types `type` as an enum; at run time it is the string).
    if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`);
  }
  return names;
}

const metricNamesIn = (text: string) => [...new Set(text.match(/\bbus_[a-z0-9_]+/g) ?? [])];

describe('deploy/ dashboard and alert rules', () => {
  const exported = exportedMetrics();

  it('should name only metrics the bus exports in the Grafana dashboard', () => {
    const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana/bpi-bus-dashboard.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const named = metricNamesIn(dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n'));
    expect(named.length).toBeGreaterThan(8);
    expect(named.filter((n) => !exported.has(n))).toEqual([]);
  });

  it('should name only metrics the bus exports in the Prometheus alert rules, in rules that parse', () => {
    const rules = parse(readFileSync(join(DEPLOY, 'prometheus/bpi-bus.rules.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string; annotations: Record<string, string> }> }> };
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.every((r) => r.alert && r.expr)).toBe(true);
    const named = metricNamesIn(all.map((r) => `${r.expr}\n${Object.values(r.annotations ?? {}).join('\n')}`).join('\n'));
    expect(named.filter((n) => !exported.has(n))).toEqual([]);
  });
});
