import type { Acks } from './ack-batcher';
import { BundleAcks } from './bundle-acks';

class RecordingAcks implements Acks {
  readonly calls: string[] = [];
  isDiscarded = false;
  ack(tag: number): void {
    this.calls.push(`ack ${tag}`);
  }
  nack(tag: number, requeue: boolean): void {
    this.calls.push(`nack ${tag} requeue=${requeue}`);
  }
}

describe('BundleAcks', () => {
  it('should ack the bundle once, when its last record settles', () => {
    const channel = new RecordingAcks();
    const sut = new BundleAcks(channel, 9, 3);

    sut.ack();
    sut.ack();
    expect(channel.calls).toEqual([]);
    sut.ack();

    expect(channel.calls).toEqual(['ack 9']);
  });

  it('should put the whole bundle back once all settled when one record asked to be put back', () => {
    const channel = new RecordingAcks();
    const sut = new BundleAcks(channel, 4, 3);

    sut.nack(4, true);
    sut.ack();
    expect(channel.calls).toEqual([]);
    sut.ack();

    expect(channel.calls).toEqual(['nack 4 requeue=true']);
  });

  it('should leave the bundle unacked while a record has not settled, and follow the channel being gone', () => {
    const channel = new RecordingAcks();
    const sut = new BundleAcks(channel, 5, 2);

    sut.ack();
    channel.isDiscarded = true;

    expect(channel.calls).toEqual([]);
    expect(sut.isDiscarded).toBe(true);
  });
});
