/** Counts the demo reads from the bus's /metrics before and after each scenario. */
export interface BusCounts {
  messages: number;
  deliveries: number;
  failedAttempts: number;
  deadLetters: number;
}

const COUNTERS: Record<keyof BusCounts, string> = {
  messages: 'bus_messages_received_total',
  deliveries: 'bus_messages_delivered_total',
  failedAttempts: 'bus_delivery_attempts_failed_total',
  deadLetters: 'bus_messages_dead_total',
};

/** Sums every series of each counter in a Prometheus text exposition. */
export function countsOf(metricsText: string): BusCounts {
  const counts = { messages: 0, deliveries: 0, failedAttempts: 0, deadLetters: 0 };
  for (const line of metricsText.split('\n')) {
    if (line.startsWith('#')) continue;
    for (const [key, name] of Object.entries(COUNTERS) as [keyof BusCounts, string][]) {
      if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) counts[key] += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
    }
  }
  return counts;
}

export async function readCounts(busUrl: string): Promise<BusCounts> {
  return countsOf(await fetch(`${busUrl}/metrics`).then((r) => r.text()));
}

/** One row per scenario; retries are failed attempts that were tried again (a dead letter's last one was not). */
export function summaryTable(rows: { scenario: string; before: BusCounts; after: BusCounts }[]): string {
  const header = ['scenario', 'messages', 'deliveries', 'retries', 'dead letters'];
  const body = rows.map(({ scenario, before, after }) => {
    const d = (k: keyof BusCounts) => after[k] - before[k];
    return [scenario, d('messages'), d('deliveries'), Math.max(0, d('failedAttempts') - d('deadLetters')), d('deadLetters')].map(String);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
