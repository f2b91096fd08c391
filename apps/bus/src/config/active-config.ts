import type { AdapterDefinition, Codec, SystemMapping } from '@bus/adapters';
import type { RouteTable } from '../routing/route-table';
import type { RouteExpression } from '../routing/route-expression';
import type { MailMergeJobConfig } from '../jobs/job.config';
import type { BusConfig, SystemConfig } from './bus-config.schema';
import type { ConfigFiles } from './config-files';

/** One configured system, ready to use: its adapter kind, codec, mapping and checked settings. */
export interface SystemRuntime {
  /** The key under `systems:`, e.g. `sales`. */
  name: string;
  adapter: AdapterDefinition<any, any>;
  codec: Codec;
  /** `codecOptions:` from bus.yaml, passed to every decode/encode. */
  codecOptions?: Record<string, unknown>;
  mapping: SystemMapping;
  /** Instance of the adapter's inbound config class (defaults applied), when `inbound:` is set. */
  inbound?: object;
  /** Instance of the adapter's outbound config class (defaults applied), when `outbound:` is set. */
  outbound?: object;
  /** Entity -> payload field with its id, for the id cross-reference. */
  xref?: Record<string, string>;
  /** `dedupKey:` compiled: the business key of each message the system sends (see Dispatcher). */
  dedupKey?: RouteExpression;
  /** The system's section as validated (secrets interpolated: do not log or show it). */
  config: SystemConfig;
}

/**
 * One loaded and fully checked version of bus.yaml. Immutable; a reload builds a new one.
 * Messages carry `version`, so the delivery side can find the version that routed them.
 */
export interface ActiveConfig {
  /** The file as given, e.g. `config/bus.yaml`. */
  file: string;
  /** sha256 over bus.yaml and every mapping and template it references, first 12 hex digits (versionOfFiles). */
  version: string;
  /** The content of this version, by path relative to the folder of bus.yaml; secrets stay as `${…}` references. */
  files: ConfigFiles;
  loadedAt: Date;
  /** The validated config: durations in ms, sizes in bytes, secrets interpolated. */
  config: BusConfig;
  systems: ReadonlyMap<string, SystemRuntime>;
  routeTable: RouteTable;
  /** `jobs:` entries, checked (systems exist and are of the right kind). */
  jobs: ReadonlyMap<string, MailMergeJobConfig>;
  /**
   * Hashes of each system's and route's interpolated settings; a reload compares them to tell
   * what changed (a rotated secret is a change) without keeping secrets around for display.
   */
  fingerprints: { systems: ReadonlyMap<string, string>; routes: ReadonlyMap<string, string>; sections: ReadonlyMap<string, string> };
  /** The config as written (after `${VAR}` interpolation) with every interpolated value replaced by `***`. */
  redactedConfig(): Record<string, unknown>;
}
