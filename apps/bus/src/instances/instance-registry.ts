import type { InstanceAnnouncement } from './instance-announcement';

/** A peer as last heard. */
export interface Peer extends Omit<InstanceAnnouncement, 'kind'> {
  /** Epoch ms of its last announcement. */
  lastHeardAt: number;
}

/** What hearing one announcement changed. */
export interface Heard {
  /** First announcement of this instance (or first since it was forgotten). */
  isNew: boolean;
  peer?: Peer;
}

/** A peer is forgotten after this many of its heartbeat intervals without a word. */
export const MISSED_HEARTBEATS = 3;

/** The live peers of one bus instance: who was heard, when, and with which store. Pure; the clock is passed in. */
export class InstanceRegistry {
  private readonly peers = new Map<string, Peer>();

  constructor(private readonly selfId: string) {}

  heard(a: InstanceAnnouncement, now: number): Heard {
    if (a.instanceId === this.selfId) return { isNew: false };
    if (a.kind === 'goodbye') {
      this.peers.delete(a.instanceId);
      return { isNew: false };
    }
    const isNew = !this.peers.has(a.instanceId);
    const { kind: _kind, ...rest } = a;
    const peer: Peer = { ...rest, lastHeardAt: now };
    this.peers.set(a.instanceId, peer);
    return { isNew, peer };
  }

  /** Forgets peers silent for {@link MISSED_HEARTBEATS} of their intervals; returns them. */
  prune(now: number): Peer[] {
    const gone: Peer[] = [];
    for (const [id, peer] of this.peers) {
      if (silent(peer, now)) {
        this.peers.delete(id);
        gone.push(peer);
      }
    }
    return gone;
  }

  /** Live peers, oldest start first. Leaves forgetting to {@link prune}, which reports whom it forgot. */
  list(now: number): Peer[] {
    return [...this.peers.values()].filter((p) => !silent(p, now)).sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.instanceId.localeCompare(b.instanceId));
  }

  /** Live peers whose store is not `storeId`. */
  conflicts(storeId: string, now: number): Peer[] {
    return this.list(now).filter((p) => p.storeId !== storeId);
  }
}

const silent = (peer: Peer, now: number) => now - peer.lastHeardAt > MISSED_HEARTBEATS * peer.heartbeatMs;
