import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import type { Browser } from 'playwright-core';
import { startTestBus, type TestBus } from '../support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from '../support/core-config';
import { waitFor } from '../support/broker';
import { buildConsole, launchChromium, signIn } from './console-browser';

const OPERATOR = 'operator-token-0123456789';
const VIEWER = 'viewer-token-0123456789';

/**
 * The stand-in ERP: counts every request per Idempotency-Key; answers 500 to names starting "Flaky"
 * while `down`, and 422 to names starting "Reject" (a permanent refusal, dead-lettered at once).
 */
async function erpStandIn() {
  const state = { down: true, taken: new Map<string, number>(), names: new Map<string, string>() };
  const server = await startHttpTestServer((req, res) => {
    const name = String((JSON.parse(req.body.toString() || '{}') as { name?: string }).name ?? '');
    if (name.startsWith('Flaky') && state.down) return res.writeHead(500).end('down for maintenance');
    if (name.startsWith('Reject')) return res.writeHead(422).end('name refused by ERP');
    const key = String(req.headers['idempotency-key']);
    state.taken.set(key, (state.taken.get(key) ?? 0) + 1);
    state.names.set(key, name);
    res.writeHead(200).end('{}');
  });
  return { server, state };
}

describe('operator console (real Chromium, real bus, real broker)', () => {
  let bus: TestBus;
  let erp: HttpTestServer;
  let erpState: Awaited<ReturnType<typeof erpStandIn>>['state'];
  let browser: Browser;
  const admin = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${bus.url}/admin/${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }).then(async (r) => ({ status: r.status, json: await r.json() }));
  const send = async (customer: Record<string, unknown>) => {
    const res = await postJson(`${bus.url}/adapters/crm/messages`, crmCustomer({ customer }), { 'x-api-key': CRM_KEY });
    expect(res.status).toBe(202);
    return res.json.messageId as string;
  };
  const openDead = async () => (await admin('dead-letters?system=erp&limit=500', bus.adminToken)).json.items as Array<{ id: string; messageId: string; errorCode: string }>;

  beforeAll(async () => {
    buildConsole();
    browser = await launchChromium();
    ({ server: erp, state: erpState } = await erpStandIn());
    bus = await startTestBus({
      yaml: `${coreYaml({ erp: erp.url }, { delivery: '  immediateRetries: 0\n  redeliveryDelays: []' })}businessKeys:\n  "customer.*": [payload.customerId]\nsensitive: [email]\n`,
      vars: { CRM_API_KEY: CRM_KEY, ADMIN_TOKENS: `olga:operator:${OPERATOR},vera:viewer:${VIEWER}` },
    });
  });
  afterAll(async () => {
    await browser?.close();
    await bus?.close();
    await erp?.close();
  });

  it('should find a message by business key and show its hops, its bodies with sensitive fields redacted, and the other messages of the key', async () => {
    const first = await send({ customerId: 'C-7001', name: 'Acme first' });
    const second = await send({ customerId: 'C-7001', name: 'Acme second' });
    const other = await send({ customerId: 'C-7002', name: 'Other' });
    await waitFor('both delivered to the ERP', () => erpState.taken.size >= 3);
    const page = await signIn(browser, bus.url, bus.adminToken);
    await page.click('nav >> text=Messages');
    // The unfiltered list comes first; the filtered answer must replace it.
    await page.waitForSelector(`#messages tr[data-id="${other}"]`);
    await page.fill('input[name=businessKey]', 'C-7001');
    await page.click('form.filters button[type=submit]');
    await page.waitForSelector(`#messages tr[data-id="${other}"]`, { state: 'detached' });
    await page.waitForSelector(`#messages tr[data-id="${first}"]`);
    const shown = await page.locator('#messages tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    expect(shown.sort()).toEqual([first, second].sort());
    await page.click(`#messages tr[data-id="${first}"]`);
    await page.waitForSelector('#hops li.delivered');
    const hops = await page.locator('#hops li strong').allTextContents();
    expect(hops).toEqual(expect.arrayContaining(['received', 'routed', 'delivered']));
    expect(await page.locator('#hops li.delivered').textContent()).toMatch(/erp.*attempt 1/);
    await expect(page.locator('pre.code').first().textContent()).resolves.toContain('[redacted]');
    await page.waitForSelector(`.related a[href="#/messages/${second}"]`);
  });

  it('should replay a group of dead letters from the page so that each arrives once at the destination', async () => {
    const ids = await Promise.all([1, 2, 3, 4, 5].map((i) => send({ customerId: `C-81${i}`, name: `Flaky ${i}` })));
    await waitFor('5 dead letters', async () => (await openDead()).filter((d) => ids.includes(d.messageId)).length === 5, 30_000);
    erpState.down = false;
    const page = await signIn(browser, bus.url, OPERATOR);
    await page.click('nav >> text=Dead letters');
    const group = page.locator('#groups tr.group', { hasText: 'DELIVERY.TRANSIENT' }).filter({ hasText: '5' });
    await group.locator('button.replay-group').click();
    await page.waitForSelector('#result');
    const keys = ids.map((id) => `${id}:erp`);
    await waitFor('all 5 delivered', () => keys.every((k) => erpState.taken.has(k)), 30_000);
    // A second click finds nothing left to replay: the group is gone from the page.
    await waitFor('the group gone from the page', async () => (await page.locator('#groups tr.group', { hasText: 'DELIVERY.TRANSIENT' }).count()) === 0);
    await waitFor('every replayed message marked delivered in the journal', async () => {
      const found = await Promise.all(ids.map((id) => admin(`messages/${id}`, bus.adminToken)));
      return found.every((m) => m.json.message.status === 'delivered');
    });
    expect(keys.map((k) => erpState.taken.get(k))).toEqual([1, 1, 1, 1, 1]);
  });

  it('should validate an edit-and-retry, deliver the corrected payload and show the edit with its reason in the audit trail', async () => {
    const messageId = await send({ customerId: 'C-9001', name: 'Reject me' });
    await waitFor('the refusal dead-lettered', async () => (await openDead()).some((d) => d.messageId === messageId), 30_000);
    const page = await signIn(browser, bus.url, bus.adminToken);
    await page.click('nav >> text=Dead letters');
    await page.locator('#groups tr.group', { hasText: 'DELIVERY.REJECTED' }).locator('button.link').click();
    await page.locator('tr.entries tr', { hasText: messageId.slice(0, 8) }).locator('button.edit').click();
    const payload = JSON.parse(await page.inputValue('textarea[name=payload]')) as Record<string, unknown>;
    await page.fill('textarea[name=payload]', JSON.stringify({ ...payload, status: 'bogus' }));
    await page.fill('.modal input[name=reason]', 'ERP refuses the name; renamed as agreed with sales');
    await page.click('.modal button[type=submit]');
    await page.waitForSelector('.modal .error >> text=DEAD_LETTER.EDIT_INVALID');
    expect(await page.locator('.modal .error').textContent()).toContain('payload.status');
    expect(erpState.names.size).toBeGreaterThan(0);
    expect([...erpState.names.values()]).not.toContain('Fixed me');
    await page.fill('textarea[name=payload]', JSON.stringify({ ...payload, name: 'Fixed me' }));
    await page.click('.modal button[type=submit]');
    await page.waitForSelector('.modal', { state: 'detached' });
    await waitFor('the corrected customer at the ERP', () => erpState.names.get(`${messageId}:erp`) === 'Fixed me', 30_000);
    expect(erpState.taken.get(`${messageId}:erp`)).toBe(1);
    await page.click('nav >> text=Audit');
    const row = page.locator('#audit tr[data-action="dead-letter.edit"]').first();
    await row.waitFor();
    expect(await row.textContent()).toContain('ERP refuses the name; renamed as agreed with sales');
    await row.locator('summary').click();
    expect(await row.locator('pre').textContent()).toContain('Fixed me');
  });

  it('should show a viewer no replay button, and the API should refuse the viewer a replay', async () => {
    const messageId = await send({ customerId: 'C-9002', name: 'Reject again' });
    const letter = await waitFor('a dead letter', async () => (await openDead()).find((d) => d.messageId === messageId), 30_000);
    const page = await signIn(browser, bus.url, VIEWER);
    await page.click('nav >> text=Dead letters');
    await page.waitForSelector('#groups tr.group');
    expect(await page.locator('#groups button.replay-group').count()).toBe(0);
    expect(await page.locator('#groups button', { hasText: 'Discard' }).count()).toBe(0);
    const refused = await admin(`dead-letters/${letter.id}/replay`, VIEWER, { method: 'POST', body: '{}' });
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe('ADMIN.FORBIDDEN');
    expect((await admin(`dead-letters/${letter.id}/replay`, OPERATOR, { method: 'POST', body: '{}' })).status).not.toBe(403);
  });
});
