import type { BusLink } from '../shared/bus-link';
import { header, HttpError, type Reply, type Request, type Router } from '../shared/http-kit';
import type { IdempotencyCache } from '../shared/idempotency';
import { ratePlanXml, readAccount, readConferenceSummaries, readRatePlan, readUsage } from './billing.documents';
import type { BillingStore } from './billing.store';
import { parseXml, xml } from './billing.xml';

export interface BillingDeps {
  store: BillingStore;
  bus: BusLink;
  idempotency: IdempotencyCache;
}

const XML = 'application/xml';

/** Where a new account lives; also sent as X-Resource-Id for clients that prefer a plain id. */
const created = (no: string) => ({ Location: `/accounts/${no}`, 'X-Resource-Id': no });

export function billingRoutes(router: Router, { store, bus, idempotency }: BillingDeps): Router {
  /** Every write honours Idempotency-Key: a repeat gets the first answer and changes nothing. */
  const write = (handle: (req: Request) => Reply | Promise<Reply>) => (req: Request) =>
    idempotency.run(header(req, 'Idempotency-Key'), `${req.method} ${req.path}`, async () => handle(req));

  router
    .on('GET', '/accounts', () => xml(200, 'BillingAccounts', { BillingAccount: store.listAccounts() }))
    .on(
      'POST',
      '/accounts',
      // Billing's import interface: a document without AccountNo creates an account; one with an
      // AccountNo updates that account (the legacy upsert, usable by callers that only POST).
      write((req) => {
        const { accountNo, fields } = readAccount(parseXml(req.body));
        if (accountNo) return xml(200, 'BillingAccount', store.updateAccount(accountNo, fields));
        const account = store.createAccount(fields);
        return xml(201, 'BillingAccount', account, created(account.AccountNo));
      }),
    )
    .on('GET', '/accounts/:no', (req) => xml(200, 'BillingAccount', store.getAccount(req.params.no)))
    .on(
      'PUT',
      '/accounts/:no',
      write((req) => {
        const { accountNo, fields } = readAccount(parseXml(req.body));
        if (accountNo && accountNo !== req.params.no) throw new HttpError(400, `AccountNo ${accountNo} in the body does not match ${req.params.no} in the path`);
        return xml(200, 'BillingAccount', store.updateAccount(req.params.no, fields));
      }),
    )
    .on('GET', '/accounts/:no/rate-plan', (req) => xml(200, 'RatePlan', ratePlanXml(store.getRatePlan(req.params.no))))
    .on(
      'PUT',
      '/accounts/:no/rate-plan',
      write((req) => {
        const { accountNo, plan } = readRatePlan(parseXml(req.body));
        if (accountNo && accountNo !== req.params.no) throw new HttpError(400, `AccountNo ${accountNo} in the body does not match ${req.params.no} in the path`);
        return xml(200, 'RatePlan', ratePlanXml(store.setRatePlan(req.params.no, plan)));
      }),
    )
    .on(
      'POST',
      '/rate-plans',
      // The import-interface twin of PUT /accounts/{no}/rate-plan: the account is named in the body.
      write((req) => {
        const { accountNo, plan } = readRatePlan(parseXml(req.body));
        if (!accountNo) throw new HttpError(409, 'RatePlan/AccountNo is missing: billing cannot tell which account the rates are for (is the customer synced yet?)');
        return xml(200, 'RatePlan', ratePlanXml(store.setRatePlan(accountNo, plan)));
      }),
    )
    .on('GET', '/accounts/:no/billing-period', (req) => xml(200, 'BillingPeriod', store.currentPeriod(req.params.no)))
    .on('GET', '/accounts/:no/billing-periods', (req) => xml(200, 'BillingPeriods', { BillingPeriod: store.periodsOf(req.params.no) }))
    .on('GET', '/accounts/:no/usage', (req) => xml(200, 'Usage', { UsageLine: store.usageOf(req.params.no) }))
    .on(
      'POST',
      '/accounts/:no/usage',
      write((req) => xml(201, 'UsageReceipt', { AccountNo: req.params.no, Accepted: store.addUsage(req.params.no, readUsage(parseXml(req.body))) })),
    )
    .on('GET', '/accounts/:no/conference-summaries', (req) =>
      xml(200, 'ConferenceSummaries', { ConferenceSummary: store.summariesOf(req.params.no) }),
    )
    .on(
      'POST',
      '/accounts/:no/conference-summaries',
      write((req) =>
        xml(201, 'ConferenceSummariesReceipt', {
          AccountNo: req.params.no,
          Accepted: store.addSummaries(req.params.no, readConferenceSummaries(parseXml(req.body))),
        }),
      ),
    )
    .on('GET', '/accounts/:no/invoices', (req) => xml(200, 'Invoices', { Invoice: store.invoicesOf(req.params.no).map(({ ubl: _, ...i }) => ({ ...i, Lines: { Line: i.Lines } })) }))
    .on('GET', '/invoices/:id', (req) => ({ status: 200, headers: { 'Content-Type': 'application/xml; charset=utf-8' }, body: store.getInvoice(req.params.id).ubl }))
    .on(
      'POST',
      '/admin/open-period/:no',
      write((req) => {
        const from = req.query.get('from') ?? undefined;
        const to = req.query.get('to') ?? undefined;
        const period = store.openPeriod(req.params.no, from, to);
        const reply = xml(201, 'BillingPeriod', period);
        bus.post('PeriodOpened', period.PeriodId, `${period.PeriodId}:OPEN`, reply.body!, XML);
        return reply;
      }),
    )
    .on(
      'POST',
      '/admin/issue-invoice/:no',
      write((req) => {
        const invoice = store.issueInvoice(req.params.no);
        bus.post('InvoiceIssued', invoice.InvoiceId, `${invoice.InvoiceId}:ISSUED`, invoice.ubl, XML);
        return { status: 201, headers: { 'Content-Type': 'application/xml; charset=utf-8', Location: `/invoices/${invoice.InvoiceId}` }, body: invoice.ubl };
      }),
    )
    // Billing asks sales (through the bus) for the contract rates in force and adopts them as its rate plan.
    .on('POST', '/admin/refresh-rates/:no', async (req) => {
      store.getAccount(req.params.no);
      const answer = await bus.ask('contract-rates', { AccountNo: req.params.no });
      if (answer.status !== 200) return { status: answer.status, headers: { 'Content-Type': answer.contentType }, body: answer.body };
      const { plan } = readRatePlan(parseXml(answer.body));
      return xml(200, 'RatePlan', ratePlanXml(store.setRatePlan(req.params.no, plan)));
    });
  return router;
}
