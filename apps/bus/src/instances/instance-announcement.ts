/** What a bus instance says about itself on `bus.instances`, at start, every heartbeat and at shutdown. */
export interface InstanceAnnouncement {
  kind: 'hello' | 'heartbeat' | 'goodbye';
  /** A UUID per process start. */
  instanceId: string;
  /** `BusStore.storeId()`: equal for every instance that shares the store. */
  storeId: string;
  /** `sqlite` or `mongodb`. */
  storeKind: string;
  /** Active config version (content hash), or null before one is loaded. */
  configVersion: string | null;
  startedAt: string;
  host: string;
  pid: number;
  /** The sender's heartbeat interval: a peer silent for three of them is forgotten. */
  heartbeatMs: number;
}

const KINDS = ['hello', 'heartbeat', 'goodbye'];

/** The announcement in a message body, or undefined when it is not one (another version, a stray publish). */
export function parseAnnouncement(body: Buffer): InstanceAnnouncement | undefined {
  let value: Partial<InstanceAnnouncement>;
  try {
    value = JSON.parse(body.toString('utf8')) as Partial<InstanceAnnouncement>;
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const ok =
    KINDS.includes(String(value.kind)) &&
    typeof value.instanceId === 'string' &&
    typeof value.storeId === 'string' &&
    typeof value.host === 'string' &&
    typeof value.pid === 'number' &&
    typeof value.heartbeatMs === 'number' &&
    value.heartbeatMs > 0;
  return ok ? (value as InstanceAnnouncement) : undefined;
}
