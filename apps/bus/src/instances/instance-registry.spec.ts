import type { InstanceAnnouncement } from './instance-announcement';
import { InstanceRegistry } from './instance-registry';

const announce = (over: Partial<InstanceAnnouncement> = {}): InstanceAnnouncement => ({
  kind: 'heartbeat', instanceId: 'peer-1', storeId: 'store-A', storeKind: 'sqlite', configVersion: 'v1',
  startedAt: '2026-12-04T10:00:00.000Z', host: 'bus-2', pid: 42, heartbeatMs: 1000, ...over,
});

describe(InstanceRegistry.name, () => {
  let sut: InstanceRegistry;
  beforeEach(() => {
    sut = new InstanceRegistry('self');
  });

  it('should list a peer once, with when it was last heard', () => {
    expect(sut.heard(announce({ kind: 'hello' }), 1000)).toMatchObject({ isNew: true });
    expect(sut.heard(announce(), 2000)).toMatchObject({ isNew: false });

    expect(sut.list(2500)).toEqual([expect.objectContaining({ instanceId: 'peer-1', lastHeardAt: 2000, host: 'bus-2', pid: 42 })]);
  });

  it('should ignore its own announcements', () => {
    sut.heard(announce({ instanceId: 'self' }), 1000);

    expect(sut.list(1000)).toEqual([]);
  });

  it('should forget a peer that was silent for three of its intervals, and one that said goodbye', () => {
    sut.heard(announce({ instanceId: 'quiet' }), 1000);
    sut.heard(announce({ instanceId: 'leaving' }), 1000);
    sut.heard(announce({ instanceId: 'leaving', kind: 'goodbye' }), 1500);

    expect(sut.list(3900).map((p) => p.instanceId)).toEqual(['quiet']);
    expect(sut.prune(4001).map((p) => p.instanceId)).toEqual(['quiet']);
    expect(sut.list(4001)).toEqual([]);
  });

  it('should report the live peers that use another store', () => {
    sut.heard(announce({ instanceId: 'same', storeId: 'store-A' }), 1000);
    sut.heard(announce({ instanceId: 'other', storeId: 'store-B' }), 1000);

    expect(sut.conflicts('store-A', 1500).map((p) => p.instanceId)).toEqual(['other']);
    expect(sut.conflicts('store-A', 9000)).toEqual([]);
  });
});
