import { copyConfig, REPO_CONFIG } from '../../test/config-copy';
import { plan } from './plan.command';
import { replay } from './dry-run.command';
import { loadConfigOffline } from '../../../bus/src/config/offline-config';
import { envelopeOf } from '../../../bus/src/config/message-trace';

describe('bpi-bus plan', () => {
  it('should show an edited mapping as a changed system and file, and a new route by its recipients', async () => {
    const copy = await copyConfig();
    await copy.edit('mappings/erp/outbound/customer.updated.jsonata', (t) => t.replace('"erpId": $xref', '"erpId": $xref, "via": "bus"'));
    await copy.edit('bus.yaml', (t) => t.replace('queries: []', '  - name: archive-crm\n    from: crm\n    types: [customer.updated]\n    to: [erp]\n\nqueries: []'));

    const sut = await plan(copy.dir, { json: true, against: REPO_CONFIG });

    expect(sut.json).toEqual(
      expect.objectContaining({
        systems: { added: [], removed: [], changed: ['erp'] },
        routes: { added: ['archive-crm'], removed: [], changed: [] },
        files: { added: [], removed: [], changed: ['bus.yaml', 'mappings/erp/outbound/customer.updated.jsonata'] },
        againstVersion: (await loadConfigOffline(REPO_CONFIG)).version,
      }),
    );
    expect(sut.text).toContain('  ~ file mappings/erp/outbound/customer.updated.jsonata');
  });

  it('should warn that a changed queue type takes effect only at the next start', async () => {
    const copy = await copyConfig();
    await copy.edit('bus.yaml', (t) => t.replace('  queueType: quorum', '  queueType: classic'));

    const sut = await plan(copy.dir, { json: false, against: REPO_CONFIG });

    expect(sut.json).toEqual(expect.objectContaining({ sections: ['delivery'], atNextStart: ['delivery.queueType'] }));
    expect(sut.text).toContain('  ! delivery.queueType changed: it takes effect when each instance starts next, not at this reload');
  });

  it('should say so when nothing changes', async () => {
    const sut = await plan(REPO_CONFIG, { json: false, against: REPO_CONFIG });

    expect(sut.text[0]).toMatch(/: no change$/);
  });
});

describe('bpi-bus dry-run, one message', () => {
  it('should show the recipients and outputs before and after, and what differs', async () => {
    const copy = await copyConfig();
    await copy.edit('mappings/erp/outbound/customer.updated.jsonata', (t) => t.replace('"erpId": $xref', '"erpId": $xref, "via": "bus"'));
    const [before, after] = await Promise.all([loadConfigOffline(REPO_CONFIG), loadConfigOffline(copy.dir)]);

    const sut = await replay(envelopeOf({ type: 'customer.updated', payload: { customerId: 'C-1', name: 'A' } }, 'crm'), before, after);

    expect(sut.differences).toEqual(['outputs']);
    expect(sut.before.recipients).toEqual(['erp']);
    expect(JSON.parse(sut.after.outputs.erp)).toEqual({ customerId: 'C-1', name: 'A', erpId: null, via: 'bus' });
  });
});
