/**
 * One valid payload per registered message type and query type, for specs here and elsewhere
 * (`import { SAMPLE_PAYLOADS } from '@bus/canonical-model/testing/canonical-samples'`).
 */
const address = { street: 'Hauptstr. 1', postalCode: '01067', city: 'Dresden', country: 'DE' };
const customer = {
  customerId: '001Dm0000000001wtn',
  name: 'Acme Conferencing GmbH',
  status: 'active',
  email: 'billing@acme.example',
  phone: '+49 351 123456',
  address,
  vatId: 'DE123456789',
};
const contract = {
  contractId: '800Dm0000000003ABC',
  customerId: '001Dm0000000001wtn',
  currency: 'EUR',
  validFrom: '2026-12-01',
  rates: [
    { productCode: 'CONF-DIALIN-MIN', unitPrice: 0.05, unit: 'MIN' },
    { productCode: 'CONF-BASE', unitPrice: 19.9, unit: 'MON' },
  ],
};
const billingPeriod = { customerId: 'B-10001', periodId: 'P-10001-202612', from: '2026-12-01', to: '2026-12-31', status: 'open' };
const usage = {
  usageId: '1764770402.17',
  conferenceId: 'conf-8812',
  bookingId: 'BK-2026-0042',
  customerId: '001Dm0000000001wtn',
  caller: '+4935112345',
  startedAt: '2026-12-03T14:00:02Z',
  answeredAt: '2026-12-03T14:00:05Z',
  endedAt: '2026-12-03T14:45:05Z',
  durationSeconds: 2703,
  billableSeconds: 2700,
  disposition: 'answered',
};

export const SAMPLE_PAYLOADS: Record<string, Record<string, unknown>> = {
  'customer.created': customer,
  // The minimal customer: no e-mail, phone or VAT id.
  'customer.updated': { customerId: 'SALES-17', name: 'Beta AG', status: 'blocked', address: { ...address, country: 'AT' } },
  'contract.rates-changed': contract,
  'billing-period.opened': billingPeriod,
  'invoice.issued': {
    invoiceId: 'INV-2026-00001',
    customerId: 'B-10001',
    periodId: 'P-10001-202612',
    issueDate: '2026-12-31',
    dueDate: '2027-01-14',
    currency: 'EUR',
    period: { from: '2026-12-01', to: '2026-12-31' },
    lines: [
      { lineNo: 1, productCode: 'CONF-DIALIN-MIN', description: 'Dial-in minutes', quantity: 120, unit: 'MIN', unitPrice: 0.05, amount: 6 },
      { lineNo: 2, productCode: 'CONF-BASE', quantity: 1, unit: 'MON', unitPrice: 19.9, amount: 19.9 },
    ],
    totalAmount: 25.9,
  },
  'conference.booked': {
    bookingId: 'BK-2026-0042',
    customerId: '001Dm0000000001wtn',
    title: 'Board call',
    startsAt: '2026-12-03T15:00:00+01:00',
    durationMinutes: 60,
    participants: [{ name: 'Ada Lovelace', email: 'ada@acme.example' }, { name: 'Charles Babbage' }],
    dialIn: { pin: '4711', recording: false, language: 'de' },
  },
  'conference.provisioned': {
    bookingId: 'BK-2026-0042',
    conferenceId: 'conf-8812',
    customerId: '001Dm0000000001wtn',
    dialInNumber: '+49 30 1234567',
    provisionedAt: '2026-11-28T10:00:00.123Z',
  },
  'usage.recorded': usage,
  'usage.priced': { ...usage, pricing: { productCode: 'CONF-DIALIN-MIN', unit: 'MIN', unitPrice: 0.05, currency: 'EUR', amount: 2.25 } },
  'conference.summarized': { conferenceId: 'conf-8812', bookingId: 'BK-2026-0042', customerId: '001Dm0000000001wtn', participants: 4, billableMinutes: 182, amount: 9.1, currency: 'EUR' },
  'letter.requested': {
    letterId: 'rate-change-2026:001Dm0000000001wtn',
    customerId: '001Dm0000000001wtn',
    recipient: { name: 'Acme Conferencing GmbH', address },
    templateName: 'rate-change.hbs',
    jobName: 'rate-change-2026',
  },
  'notice.requested': {
    noticeId: 'rate-change-2026:001Dm0000000001wtn',
    customerId: '001Dm0000000001wtn',
    email: 'billing@acme.example',
    subject: 'A letter is on its way',
    templateName: 'notice.hbs',
    jobName: 'rate-change-2026',
  },
};

/** Valid request and answer per query type. */
export const SAMPLE_QUERIES: Record<string, { request: Record<string, unknown>; answer: Record<string, unknown> }> = {
  'billing-period.get': { request: { customerId: '001Dm0000000001wtn' }, answer: { ...billingPeriod, status: 'invoiced' } },
  'contract-rates.get': { request: { customerId: '001Dm0000000001wtn' }, answer: contract },
};
