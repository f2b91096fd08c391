import { MetricsService } from './metrics.service';

describe(MetricsService.name, () => {
  it('should count messages by system and type', async () => {
    const sut = new MetricsService({ defaultMetrics: false });
    sut.received('sales', 'customer.updated');
    sut.received('sales', 'customer.updated');
    sut.delivered('billing', 'customer.updated');
    sut.retried('billing', 'customer.updated');
    sut.dead('billing', 'usage.recorded');
    sut.unrouted('bridge', 'usage.recorded');
    sut.configReload('applied');
    const { body } = await sut.metrics();
    expect(body).toContain('bus_messages_received_total{system="sales",type="customer.updated"} 2');
    expect(body).toContain('bus_messages_delivered_total{system="billing",type="customer.updated"} 1');
    expect(body).toContain('bus_messages_retried_total{system="billing",type="customer.updated"} 1');
    expect(body).toContain('bus_messages_dead_total{system="billing",type="usage.recorded"} 1');
    expect(body).toContain('bus_messages_unrouted_total{system="bridge",type="usage.recorded"} 1');
    expect(body).toContain('bus_config_reloads_total{outcome="applied"} 1');
  });

  it('should observe delivery latency per destination', async () => {
    const sut = new MetricsService({ defaultMetrics: false });
    sut.delivered('billing', 'customer.updated', 0.2);
    sut.delivered('billing', 'customer.updated', 3);
    sut.delivered('billing', 'customer.updated');
    const { body } = await sut.metrics();
    expect(body).toContain('bus_delivery_latency_seconds_bucket{le="0.25",system="billing"} 1');
    expect(body).toContain('bus_delivery_latency_seconds_count{system="billing"} 2');
    expect(body).toContain('bus_delivery_latency_seconds_sum{system="billing"} 3.2');
  });

  it('should read queue depths from the collector at scrape time', async () => {
    const sut = new MetricsService({ defaultMetrics: false });
    let depth = 3;
    sut.setQueueDepthCollector(async () => ({ 'bus.billing': depth, 'bus.billing.dead-letter': 1 }));
    expect((await sut.metrics()).body).toContain('bus_queue_depth{queue="bus.billing"} 3');
    depth = 0;
    const { body } = await sut.metrics();
    expect(body).toContain('bus_queue_depth{queue="bus.billing"} 0');
    expect(body).toContain('bus_queue_depth{queue="bus.billing.dead-letter"} 1');
  });

  it('should still answer a scrape when the queue depths cannot be read', async () => {
    const logger = { warn: jest.fn() };
    const sut = new MetricsService({ defaultMetrics: false, logger });
    sut.setQueueDepthCollector(() => {
      throw new Error('channel closed');
    });
    const { body } = await sut.metrics();
    expect(body).toContain('# TYPE bus_queue_depth gauge');
    expect(body).not.toContain('bus_queue_depth{');
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('channel closed'));
  });

  it('should expose process metrics in the Prometheus text format', async () => {
    const sut = new MetricsService();
    const { body, contentType } = await sut.metrics();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('process_cpu_user_seconds_total');
    expect(body).toContain('nodejs_heap_size_used_bytes');
  });
});
