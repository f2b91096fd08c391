import { loadEnv } from './config/env.schema';
import type { ActiveConfig } from './config/active-config';
import { startupLine } from './startup-line';

const initial = { file: 'config/bus.yaml', version: 'abc123def456' } as ActiveConfig;

describe(startupLine.name, () => {
  it('should name port, config version, store and broker host, vhost and namespace', () => {
    const env = loadEnv({ AMQP_URL: 'amqp://bus:s3cret@mq.internal:5672/prod', BUS_NAMESPACE: 'blue', BUS_DATA_DIR: '/data' });
    const sut = startupLine(env, initial, '0.1.0', 3000);
    expect(String(sut)).toBe(
      'bpi-bus 0.1.0 listening on port 3000; config config/bus.yaml version abc123def456; store sqlite /data/bus.sqlite; broker mq.internal:5672 vhost "prod" namespace "blue"',
    );
    expect(sut).toMatchObject({ port: 3000, configVersion: 'abc123def456', brokerHost: 'mq.internal:5672', vhost: 'prod', namespace: 'blue' });
  });

  it('should never show the broker or database password', () => {
    const env = loadEnv({ AMQP_URL: 'amqp://bus:s3cret@mq:5672', MONGODB_URI: 'mongodb://app:pw-9@db:27017/bus' });
    expect(JSON.stringify(startupLine(env, initial, '0.1.0', 3000))).not.toMatch(/s3cret|pw-9/);
  });
});
