import type { Peer } from './instance-registry';

/** Who this instance is, as the texts name it. */
export interface SelfDescription {
  instanceId: string;
  storeId: string;
  host: string;
  pid: number;
}

const who = (p: { instanceId: string; host: string; pid: number }) => `instance ${p.instanceId} (host ${p.host}, pid ${p.pid})`;

export const InstancesLog = {
  storeMismatch: (self: SelfDescription, peer: Peer) =>
    `INSTANCE.STORE_MISMATCH: bus ${who(peer)} announces store ${peer.storeId} on the same broker namespace, ` +
    `but this ${who(self)} uses store ${self.storeId}. Instances that share queues must share one store, or a message accepted ` +
    `by one is accepted and delivered again by the other. Point BUS_DATA_DIR (the same folder, on one host) or MONGODB_URI of every ` +
    `instance at the same store, or give each deployment a broker namespace of its own (another vhost in AMQP_URL).`,
  peerForgotten: (peer: Peer) => `Bus ${who(peer)} with store ${peer.storeId} was not heard for ${peer.heartbeatMs * 3} ms; forgotten.`,
  announceFailed: (exchange: string, err: unknown) =>
    `Could not announce this bus instance on exchange ${exchange}: ${(err as Error)?.message ?? String(err)}; retrying on the next heartbeat or reconnect.`,
};
