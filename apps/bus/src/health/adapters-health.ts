import type { SystemHealth } from '../adapters/adapter-host.service';
import type { DestinationHealth, DestinationReport } from './destination-health';

export interface SystemHealthView {
  system: string;
  adapter: string;
  /** `down`: the adapter's own check fails (unreachable); `degraded`: reachable, but its recent deliveries fail. */
  status: 'up' | 'degraded' | 'down';
  detail?: string;
  /** Recent delivery attempts, when there were any. */
  deliveries?: Pick<DestinationReport, 'attempts' | 'failed' | 'lastFailure'>;
}

/** The adapter's own check (can it be reached?) combined with what its recent deliveries met. */
export function combineHealth(reports: SystemHealth[], deliveries: DestinationHealth): SystemHealthView[] {
  return reports.map((r) => {
    const recent = deliveries.report(r.system);
    const view: SystemHealthView = { system: r.system, adapter: r.adapter, status: r.status, detail: r.detail };
    if (recent) view.deliveries = { attempts: recent.attempts, failed: recent.failed, lastFailure: recent.lastFailure };
    if (r.status === 'up' && recent?.state === 'degraded') {
      view.status = 'degraded';
      view.detail = recent.detail;
    }
    return view;
  });
}
