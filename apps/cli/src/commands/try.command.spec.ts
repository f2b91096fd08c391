import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { copyConfig, REPO_CONFIG } from '../../test/config-copy';
import { tryMessage } from './try.command';

const SAMPLE = path.join(REPO_CONFIG, 'mappings/crm/__fixtures__/customer-updated.native.json');

describe('bpi-bus try', () => {
  it('should show every stage and what each destination would be sent', async () => {
    const sut = await tryMessage('crm', SAMPLE, REPO_CONFIG);

    expect(sut.exitCode).toBe(0);
    const json = sut.json as { stages: { stage: string; ok: boolean }[]; messages: { type: string; recipients: string[]; outputs: { destination: string; body: string }[] }[] };
    expect(json.stages.map((s) => [s.stage, s.ok])).toEqual([['decode', true], ['map', true], ['validate', true], ['route', true], ['deliver', true]]);
    expect(json.messages).toEqual([expect.objectContaining({ type: 'customer.updated', recipients: ['erp'] })]);
    expect(JSON.parse(json.messages[0].outputs[0].body)).toEqual(expect.objectContaining({ customerId: 'C-1001', erpId: null }));
  });

  it('should stop at the stage that refuses the message, and say why', async () => {
    const copy = await copyConfig();
    const sample = path.join(copy.dir, 'bad.json');
    await writeFile(sample, JSON.stringify({ event: 'customer.updated', eventId: 'e-1', customer: { customerId: 'C-1' } }));

    const sut = await tryMessage('crm', sample, copy.dir);

    expect(sut.exitCode).toBe(1);
    const stages = (sut.json as { stages: { stage: string; ok: boolean; error?: string }[] }).stages;
    expect(stages.at(-1)).toEqual(expect.objectContaining({ stage: 'validate', ok: false, error: expect.stringContaining('payload.name') }));
  });

  it('should refuse a body the codec cannot read at the decode stage', async () => {
    const copy = await copyConfig();
    const sample = path.join(copy.dir, 'bad.json');
    await writeFile(sample, '{ not json');

    const sut = await tryMessage('crm', sample, copy.dir);

    expect(sut.exitCode).toBe(1);
    expect(sut.text[0]).toMatch(/^FAIL decode: crm \(json\): /);
  });
});
