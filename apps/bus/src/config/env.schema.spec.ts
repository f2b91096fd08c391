import { ConfigError } from './config.errors';
import { BusEnv, loadEnv } from './env.schema';

describe(BusEnv.name, () => {
  it('should apply the documented defaults to an empty environment', () => {
    const sut = loadEnv({});
    expect({ ...sut }).toEqual({
      PORT: 3000,
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      BUS_CONFIG: 'config/bus.yaml',
      BUS_DATA_DIR: '.data',
      BUS_CONFIG_WATCH: true,
      LOG_LEVEL: 'log',
      BUS_HEARTBEAT_MS: 5000,
      LOG_FORMAT: 'json',
    });
    expect(sut.BUS_NAMESPACE).toBeUndefined();
    expect(sut.ADMIN_TOKEN).toBeUndefined();
    expect(sut.MONGODB_URI).toBeUndefined();
  });

  it('should type the values it reads and ignore variables that are not its own', () => {
    const sut = loadEnv({
      PORT: '8080',
      BUS_CONFIG_WATCH: 'false',
      ADMIN_TOKEN: 'secret',
      MONGODB_URI: 'mongodb://db:27017/bus',
      LOG_LEVEL: 'debug',
      SALES_API_KEY: 'not ours',
    });
    expect(sut).toMatchObject({ PORT: 8080, BUS_CONFIG_WATCH: false, ADMIN_TOKEN: 'secret', MONGODB_URI: 'mongodb://db:27017/bus', LOG_LEVEL: 'debug' });
    expect(sut).not.toHaveProperty('SALES_API_KEY');
  });

  it('should read the broker namespace and the log format', () => {
    expect(loadEnv({ BUS_NAMESPACE: 'staging', LOG_FORMAT: 'pretty' })).toMatchObject({ BUS_NAMESPACE: 'staging', LOG_FORMAT: 'pretty' });
  });

  it('should treat an empty value as unset', () => {
    expect(loadEnv({ PORT: '', ADMIN_TOKEN: '' })).toMatchObject({ PORT: 3000, ADMIN_TOKEN: undefined });
  });

  it('should report every invalid variable at once, one line each', () => {
    let err: unknown;
    try {
      loadEnv({ PORT: '70000', AMQP_URL: 'http://broker', BUS_CONFIG_WATCH: 'maybe', MONGODB_URI: 'db:27017', LOG_LEVEL: 'loud', LOG_FORMAT: 'xml', BUS_NAMESPACE: 'a b' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      [
        'Invalid configuration (environment):',
        '  PORT: must not be greater than 65535',
        '  AMQP_URL: must be an amqp:// or amqps:// URL',
        '  MONGODB_URI: must be a mongodb:// or mongodb+srv:// URL',
        '  BUS_CONFIG_WATCH: must be true or false',
        '  LOG_LEVEL: must be one of error, warn, log, debug, verbose',
        '  LOG_FORMAT: must be one of json, pretty',
        '  BUS_NAMESPACE: must be letters, digits, ".", "_" or "-" (at most 63), e.g. "staging"',
      ].join('\n'),
    );
  });
});
