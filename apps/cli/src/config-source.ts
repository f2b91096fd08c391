import type { ActiveConfig } from '../../bus/src/config/active-config';
import { loadConfigFromFiles, loadConfigOffline } from '../../bus/src/config/offline-config';
import { AdminClient } from './admin-client';
import type { CliOptions } from './cli.types';

/** A config to compare with: a folder on disk, or the version a running bus has active. */
export interface ConfigSource {
  /** `config/examples/demo.yaml`, or `http://127.0.0.1:3000 (version 3f2a9c01b7de)`. */
  label: string;
  config: ActiveConfig;
  /** The bus's active version when the source is a bus: what apply sends as expectedVersion. */
  busVersion?: string;
}

interface VersionContent {
  version: string;
  files: Record<string, string>;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** `--against URL|dir`: a URL (or nothing: BUS_URL) is the running bus; anything else a folder or file. */
export async function resolveSource(against: string | undefined, options: CliOptions): Promise<ConfigSource> {
  if (against && !isUrl(against)) return { label: against, config: await loadConfigOffline(against) };
  return runningConfig(AdminClient.from(options, against));
}

/** The running bus's active version, loaded here from its files (GET /admin/config/versions/{v}). */
export async function runningConfig(client: AdminClient): Promise<ConfigSource> {
  const { version } = await client.get<{ version: string }>('/admin/config');
  const content = await client.get<VersionContent>(`/admin/config/versions/${encodeURIComponent(version)}`);
  return { label: `${client.baseUrl} (version ${version})`, config: await loadConfigFromFiles(content.files), busVersion: version };
}

/** A version from the bus's history by its hash, loaded here. */
export async function versionConfig(client: AdminClient, version: string): Promise<ActiveConfig> {
  const content = await client.get<VersionContent>(`/admin/config/versions/${encodeURIComponent(version)}`);
  return loadConfigFromFiles(content.files);
}
