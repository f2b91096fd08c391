import type { ActiveConfig } from './active-config';
import type { ConfigTrigger } from '../store/store.types';

/** Who asked for a reload and how; kept in the config history with the version it applied. */
export interface ReloadRequest {
  /** Why the reload ran: `file changed`, `POST /admin/config/reload`, the integrator's own words … */
  reason: string;
  trigger: ConfigTrigger;
  /** The admin token's name, or `bus` for the bus itself. */
  appliedBy: string;
}

/** What changed between two config versions, by name. */
export interface ChangeSet {
  added: string[];
  removed: string[];
  changed: string[];
}

/**
 * What a reload applied. The adapter host drains and stops the consumers of removed and changed
 * systems and starts those of added and changed ones; the queues of `retired` destinations are
 * emptied into their dead letters.
 */
export interface ReloadPlan {
  version: string;
  previousVersion: string | null;
  /** Why the reload ran: `file changed`, `POST /admin/config/reload`, … */
  reason: string;
  trigger: ConfigTrigger;
  appliedBy: string;
  systems: ChangeSet;
  routes: ChangeSet;
  /** Other top-level sections that changed: queries, delivery, ingress, jobs. */
  sections: string[];
  /** Files of the version (bus.yaml, mappings, templates) by path relative to the config folder. */
  files: ChangeSet;
  /**
   * Destinations (systems with `outbound:`, processors) of the previous version that the new one
   * no longer has: a removed system, a system that lost its `outbound:`, a removed processor.
   */
  retired: string[];
  /**
   * Settings that changed but are read once, when an instance starts (START_ONLY_SETTINGS): the rest of the
   * version is live after the reload, these take effect at each instance's next start.
   */
  atNextStart: string[];
}

/**
 * Settings an instance reads once at start: the broker's queue type (queues keep the type they were
 * declared with), the publisher's bundle size and the store's retention (a MongoDB TTL index).
 */
export const START_ONLY_SETTINGS = ['delivery.queueType', 'delivery.bundleRecords', 'journal.retention'] as const;

type PlannedVersion = Pick<ActiveConfig, 'version' | 'fingerprints' | 'systems' | 'config'> & { files?: ActiveConfig['files'] };

/** Compares fingerprints, so a rotated secret shows as a changed system without the secret itself being kept. */
export function planReload(
  next: PlannedVersion,
  previous: PlannedVersion | undefined,
  request: string | ReloadRequest,
): ReloadPlan {
  const { reason, trigger, appliedBy } = typeof request === 'string' ? { reason: request, trigger: 'reload' as const, appliedBy: 'bus' } : request;
  const sections = [...next.fingerprints.sections].filter(([k, v]) => previous?.fingerprints.sections.get(k) !== v).map(([k]) => k);
  return {
    version: next.version,
    previousVersion: previous?.version ?? null,
    reason,
    trigger,
    appliedBy,
    systems: diff(next.fingerprints.systems, previous?.fingerprints.systems),
    routes: diff(next.fingerprints.routes, previous?.fingerprints.routes),
    sections,
    files: diff(contentOf(next.files), previous ? contentOf(previous.files) : undefined),
    retired: previous ? retiredDestinations(destinationsOf(next), destinationsOf(previous)) : [],
    atNextStart: previous ? START_ONLY_SETTINGS.filter((setting) => settingOf(next.config, setting) !== settingOf(previous.config, setting)) : [],
  };
}

/** Every queue-backed destination of a version: systems that deliver outbound, and processors. */
export function destinationsOf(active: Pick<ActiveConfig, 'systems' | 'config'>): string[] {
  const systems = [...active.systems.values()].filter((s) => s.outbound !== undefined && s.adapter.capabilities.outbound !== undefined).map((s) => s.name);
  return [...systems, ...Object.keys(active.config.processors ?? {})];
}

/** Destinations in `previous` and not in `next`, in `previous` order. */
export function retiredDestinations(next: readonly string[], previous: readonly string[]): string[] {
  const kept = new Set(next);
  return previous.filter((name) => !kept.has(name));
}

function settingOf(config: PlannedVersion['config'], setting: (typeof START_ONLY_SETTINGS)[number]): unknown {
  const [section, name] = setting.split('.') as [string, string];
  return (config as unknown as Record<string, Record<string, unknown> | undefined>)[section]?.[name];
}

const contentOf = (files: ActiveConfig['files'] | undefined) => new Map(Object.entries(files ?? {}));

export const isEmptyPlan = (plan: ReloadPlan): boolean =>
  plan.sections.length === 0 &&
  [plan.systems, plan.routes, plan.files].every((c) => c.added.length === 0 && c.removed.length === 0 && c.changed.length === 0);

function diff(next: ReadonlyMap<string, string>, previous: ReadonlyMap<string, string> | undefined): ChangeSet {
  const before = previous ?? new Map<string, string>();
  return {
    added: [...next.keys()].filter((k) => !before.has(k)),
    removed: [...before.keys()].filter((k) => !next.has(k)),
    changed: [...next.keys()].filter((k) => before.has(k) && before.get(k) !== next.get(k)),
  };
}
