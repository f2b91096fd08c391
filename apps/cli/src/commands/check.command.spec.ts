import { copyConfig, REPO_CONFIG } from '../../test/config-copy';
import { check } from './check.command';

describe('bpi-bus check', () => {
  it('should pass the repo config, with its fixtures', async () => {
    const sut = await check(REPO_CONFIG);

    expect(sut.exitCode).toBe(0);
    expect(sut.json).toEqual(expect.objectContaining({ ok: true, problems: [] }));
  });

  it('should report every problem of a broken config with its path, as the bus would at start', async () => {
    const copy = await copyConfig();
    await copy.edit('bus.yaml', (t) => t.replace('to: [erp]', 'to: [erpp]').replace('codec: json', 'codec: jsn'));

    const sut = await check(copy.dir);

    expect(sut.exitCode).toBe(1);
    expect((sut.json as { problems: { path: string }[] }).problems).toEqual([expect.objectContaining({ path: 'systems.crm.codec', message: expect.stringContaining('json') })]);
    expect(sut.text[1]).toMatch(/^ {2}systems\.crm\.codec: /);
  });

  it('should name the mapping file and line of a syntax error', async () => {
    const copy = await copyConfig();
    await copy.write('mappings/crm/inbound.jsonata', '{ "type": ');

    const sut = await check(copy.dir);

    expect(sut.exitCode).toBe(1);
    expect(sut.text.join('\n')).toMatch(/systems\.crm\.mapping: .*mappings\/crm\/inbound\.jsonata/);
  });

  it('should fail on a fixture the mapping no longer produces, naming the file and the field', async () => {
    const copy = await copyConfig();
    await copy.edit('mappings/crm/inbound.jsonata', (t) => t.replace('"nativeId": eventId', '"nativeId": "x-" & eventId'));

    const sut = await check(copy.dir);

    expect(sut.exitCode).toBe(1);
    expect((sut.json as { problems: unknown[] }).problems).toEqual([
      { path: expect.stringContaining('mappings/crm/__fixtures__/customer-updated.native.json'), message: expect.stringContaining('[0].nativeId') },
    ]);
  });
});
