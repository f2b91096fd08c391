import { HttpError } from '../shared/http-kit';
import { ublInvoice } from './billing.ubl';
import type { BillingAccount, BillingPeriod, ConferenceSummary, Invoice, InvoiceLine, RatePlan, UsageLine } from './billing.types';

/** Days between issue and due date on billing's invoices. */
const PAYMENT_TERM_DAYS = 14;

const day = (d: Date) => d.toISOString().slice(0, 10);
const round2 = (n: number) => Math.round(n * 100) / 100;

/** Billing's in-memory database. Returns copies, so callers cannot change stored records by accident. */
export class BillingStore {
  private readonly accounts = new Map<string, BillingAccount>();
  private readonly ratePlans = new Map<string, RatePlan>();
  private readonly periods: BillingPeriod[] = [];
  private readonly invoices: Invoice[] = [];
  private readonly usage = new Map<string, UsageLine[]>();
  private readonly summaries = new Map<string, ConferenceSummary[]>();
  private nextAccount = 10001;
  private nextInvoice = 1;

  constructor(private readonly now: () => Date) {}

  listAccounts(): BillingAccount[] {
    return [...this.accounts.values()].map(clone);
  }

  getAccount(no: string): BillingAccount {
    const account = this.accounts.get(no);
    if (!account) throw new HttpError(404, `no billing account ${no}`);
    return clone(account);
  }

  createAccount(fields: Omit<BillingAccount, 'AccountNo'>): BillingAccount {
    const account = { AccountNo: `B-${this.nextAccount++}`, ...fields };
    this.accounts.set(account.AccountNo, account);
    return clone(account);
  }

  updateAccount(no: string, fields: Omit<BillingAccount, 'AccountNo'>): BillingAccount {
    this.getAccount(no);
    const account = { AccountNo: no, ...fields };
    this.accounts.set(no, account);
    return clone(account);
  }

  setRatePlan(no: string, plan: Omit<RatePlan, 'AccountNo'>): RatePlan {
    this.getAccount(no);
    const stored = { AccountNo: no, ...plan };
    this.ratePlans.set(no, stored);
    return clone(stored);
  }

  getRatePlan(no: string): RatePlan {
    this.getAccount(no);
    const plan = this.ratePlans.get(no);
    if (!plan) throw new HttpError(404, `billing account ${no} has no rate plan`);
    return clone(plan);
  }

  /** The open period, else the latest one. */
  currentPeriod(no: string): BillingPeriod {
    this.getAccount(no);
    const mine = this.periods.filter((p) => p.AccountNo === no);
    const current = mine.find((p) => p.Status === 'OPEN') ?? mine[mine.length - 1];
    if (!current) throw new HttpError(404, `billing account ${no} has no billing period`);
    return clone(current);
  }

  periodsOf(no: string): BillingPeriod[] {
    this.getAccount(no);
    return this.periods.filter((p) => p.AccountNo === no).map(clone);
  }

  /** Opens a period (default: the current calendar month) and closes the one open before. */
  openPeriod(no: string, from?: string, to?: string): BillingPeriod {
    this.getAccount(no);
    const today = this.now();
    const start = from ?? `${day(today).slice(0, 7)}-01`;
    const end = to ?? day(new Date(Date.UTC(Number(start.slice(0, 4)), Number(start.slice(5, 7)), 0)));
    const periodId = `P-${no.replace(/^B-/, '')}-${start.slice(0, 7).replace('-', '')}`;
    if (this.periods.some((p) => p.PeriodId === periodId)) throw new HttpError(409, `billing period ${periodId} exists already`);
    for (const p of this.periods) if (p.AccountNo === no && p.Status === 'OPEN') p.Status = 'CLOSED';
    const period: BillingPeriod = { PeriodId: periodId, AccountNo: no, From: start, To: end, Status: 'OPEN', OpenedAt: today.toISOString() };
    this.periods.push(period);
    return clone(period);
  }

  addUsage(no: string, lines: UsageLine[]): number {
    this.getAccount(no);
    this.usage.set(no, [...(this.usage.get(no) ?? []), ...lines]);
    return lines.length;
  }

  usageOf(no: string): UsageLine[] {
    this.getAccount(no);
    return clone(this.usage.get(no) ?? []);
  }

  addSummaries(no: string, summaries: ConferenceSummary[]): number {
    this.getAccount(no);
    this.summaries.set(no, [...(this.summaries.get(no) ?? []), ...summaries]);
    return summaries.length;
  }

  summariesOf(no: string): ConferenceSummary[] {
    this.getAccount(no);
    return clone(this.summaries.get(no) ?? []);
  }

  /**
   * Invoices the open period: one line per rate, quantity = the usage recorded in the period for that
   * product (0 when none, so a rate plan without usage still gives a nil invoice). Marks the period INVOICED.
   */
  issueInvoice(no: string): Invoice {
    const account = this.getAccount(no);
    const open = this.periods.find((p) => p.AccountNo === no && p.Status === 'OPEN');
    if (!open) throw new HttpError(409, `billing account ${no} has no open billing period; open one with POST /admin/open-period/${no}`);
    const plan = this.getRatePlan(no);
    const inPeriod = (this.usage.get(no) ?? []).filter((u) => u.Date >= open.From && u.Date <= open.To);
    const lines: InvoiceLine[] = plan.Rates.map((rate) => {
      const quantity = inPeriod.filter((u) => u.ProductCode === rate.ProductCode).reduce((sum, u) => sum + Number(u.Quantity), 0);
      const price = Number(rate.Price);
      return { ProductCode: rate.ProductCode, Quantity: quantity, Unit: rate.Unit, Price: price, Amount: round2(quantity * price) };
    });
    const total = round2(lines.reduce((sum, l) => sum + l.Amount, 0));
    const issued = this.now();
    const issueDate = day(issued);
    const dueDate = day(new Date(issued.getTime() + PAYMENT_TERM_DAYS * 86_400_000));
    const invoiceId = `INV-${issueDate.slice(0, 4)}-${String(this.nextInvoice++).padStart(5, '0')}`;
    open.Status = 'INVOICED';
    const period = clone(open);
    const invoice: Invoice = {
      InvoiceId: invoiceId,
      AccountNo: no,
      PeriodId: period.PeriodId,
      IssueDate: issueDate,
      DueDate: dueDate,
      Currency: plan.Currency,
      Lines: lines,
      Total: total,
      ubl: ublInvoice({ invoiceId, issueDate, dueDate, currency: plan.Currency, account, period, lines, total }),
    };
    this.invoices.push(invoice);
    return clone(invoice);
  }

  invoicesOf(no: string): Invoice[] {
    this.getAccount(no);
    return this.invoices.filter((i) => i.AccountNo === no).map(clone);
  }

  getInvoice(id: string): Invoice {
    const invoice = this.invoices.find((i) => i.InvoiceId === id);
    if (!invoice) throw new HttpError(404, `no invoice ${id}`);
    return clone(invoice);
  }
}

const clone = <T>(v: T): T => structuredClone(v);
