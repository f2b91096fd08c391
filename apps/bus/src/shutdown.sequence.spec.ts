import { Logger } from '@nestjs/common';
import { ShutdownSequence } from './shutdown.sequence';

describe('ShutdownSequence', () => {
  afterEach(() => jest.restoreAllMocks());

  it('should close in order, and say which step a slow shutdown still waits on', async () => {
    const warnings: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const order: string[] = [];
    let finishDeliveries!: () => void;
    const step = (name: string) => async () => void order.push(name);
    const sut = new ShutdownSequence(
      { shutdown: step('jobs') } as never,
      { stopAll: () => new Promise<void>((resolve) => (finishDeliveries = () => resolve(void order.push('adapters')))) } as never,
      { close: step('amqp') } as never,
      { close: step('journal') } as never,
      { close: step('store') } as never,
    );
    sut.reportEveryMs = 20;

    const done = sut.onApplicationShutdown('SIGTERM');
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => warnings.length > 0 && (clearInterval(poll), resolve()), 5);
    });
    finishDeliveries();
    await done;

    expect(warnings[0]).toMatch(/^Shutdown still draining in-flight deliveries and inputs .* after \d+ s; nothing is lost/);
    expect(order).toEqual(['jobs', 'adapters', 'journal', 'amqp', 'store']);
  });
});
