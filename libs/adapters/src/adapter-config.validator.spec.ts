import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import { defineAdapter } from './adapter';
import { validateAdapterConfig } from './adapter-config.validator';
import { IsRecordOf, IsStringRecord } from './config-validators';

class ShelfConfig {
  @IsString() name!: string;
  @Type(() => Number) @IsInt() @Min(1) size = 3;
}

class DropConfig {
  @IsString() dropDir!: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) pollMs?: number;
  @IsOptional() @IsStringRecord() labels?: Record<string, string>;
  @IsOptional() @IsRecordOf(ShelfConfig) shelves?: Record<string, ShelfConfig>;
}

const dropAdapter = defineAdapter<DropConfig, object>({
  id: 'drop',
  summary: 'test adapter',
  capabilities: { inbound: true, maturity: 'experimental' },
  config: { inbound: DropConfig },
  create: () => ({ checkHealth: async () => ({ status: 'up' }) }),
});

describe(validateAdapterConfig.name, () => {
  it('should return the instance with defaults and converted numbers when valid', () => {
    const { value, errors } = validateAdapterConfig(dropAdapter, 'inbound', { dropDir: '/in', pollMs: '250', shelves: { a: { name: 'A' } } });
    expect(errors).toEqual([]);
    expect(value).toBeInstanceOf(DropConfig);
    expect(value).toMatchObject({ dropDir: '/in', pollMs: 250 });
    expect((value as DropConfig).shelves?.a).toBeInstanceOf(ShelfConfig);
    expect((value as DropConfig).shelves?.a.size).toBe(3);
  });

  it('should report every problem at once with dotted paths', () => {
    const { value, errors } = validateAdapterConfig(dropAdapter, 'inbound', {
      pollMs: 0,
      labels: { team: 7 },
      shelves: { top: { name: 'T', size: 'big', colour: 'red' }, low: 5 },
      dropdir: '/typo',
    });
    expect(value).toBeUndefined();
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'dropDir', message: 'must be a string' },
        { path: 'pollMs', message: 'must not be less than 1' },
        { path: 'labels', message: 'value of team must be a string (quote it in YAML)' },
        { path: 'shelves.top.size', message: expect.stringContaining('must be an integer number') },
        { path: 'shelves.top.colour', message: expect.stringContaining('is not a known setting') },
        { path: 'shelves.low', message: 'must be an object' },
        { path: 'dropdir', message: expect.stringContaining('known: dropDir, pollMs, labels, shelves') },
      ]),
    );
    expect(errors).toHaveLength(7);
  });

  it('should treat missing settings as an empty object', () => {
    expect(validateAdapterConfig(dropAdapter, 'inbound', undefined).errors).toEqual([{ path: 'dropDir', message: 'must be a string' }]);
  });

  it('should refuse settings that are not an object', () => {
    expect(validateAdapterConfig(dropAdapter, 'inbound', 'dropDir=/in').errors).toEqual([{ path: '', message: expect.stringContaining('must be an object') }]);
  });

  it('should refuse settings for a direction the adapter does not have', () => {
    expect(validateAdapterConfig(dropAdapter, 'outbound', { url: 'x' }).errors).toEqual([
      { path: '', message: 'adapter drop has no outbound side; remove outbound:' },
    ]);
  });
});
