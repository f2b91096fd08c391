import { ValidateBy, type ValidationArguments } from 'class-validator';

/** Amounts are rounded to cents by the issuer, each sum on its own: two rounding steps may differ by one cent. */
export const ROUNDING_TOLERANCE = 0.01 + 1e-9;

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const agrees = (a: number, b: number) => Math.abs(a - b) <= ROUNDING_TOLERANCE;
const cents = (n: number) => n.toFixed(2);

interface Charge { kind: 'allowance' | 'charge'; amount: number }
interface Line { quantity: number; unitPrice: number; baseQuantity?: number; amount: number; allowanceCharges?: Charge[] }
interface Totals {
  lines?: Line[];
  allowanceCharges?: Charge[];
  taxAmount?: number;
  lineTotal?: number;
  allowanceTotal?: number;
  chargeTotal?: number;
  taxExclusiveAmount?: number;
  taxInclusiveAmount?: number;
  prepaidAmount?: number;
  roundingAmount?: number;
  totalAmount?: number;
}

const net = (charges: readonly Charge[] = []) => sum(charges.map((c) => (c.kind === 'charge' ? c.amount : -c.amount)));

/** The first sum of an invoice that disagrees with its parts beyond rounding, or undefined when all agree. */
export function totalsProblem(i: Totals): string | undefined {
  const lines = Array.isArray(i.lines) ? i.lines : [];
  // A line the field checks refuse gives no sum worth comparing: those checks name it.
  if (!lines.every((l) => typeof l?.amount === 'number' && typeof l.quantity === 'number' && typeof l.unitPrice === 'number' && l.unitPrice >= 0)) return undefined;
  for (const [n, l] of lines.entries()) {
    const expected = (l.quantity * l.unitPrice) / (l.baseQuantity || 1) + net(l.allowanceCharges);
    if (!agrees(expected, l.amount)) return `line ${n + 1}: amount ${cents(l.amount)} is not quantity × unit price ± its allowances and charges (${cents(expected)})`;
  }
  const lineTotal = sum(lines.map((l) => l.amount));
  if (i.lineTotal !== undefined && !agrees(i.lineTotal, lineTotal)) return `lineTotal ${cents(i.lineTotal)} is not the sum of the lines (${cents(lineTotal)})`;
  const docCharges = i.allowanceCharges ?? [];
  const allowances = sum(docCharges.filter((c) => c.kind === 'allowance').map((c) => c.amount));
  const charges = sum(docCharges.filter((c) => c.kind === 'charge').map((c) => c.amount));
  if (i.allowanceTotal !== undefined && !agrees(i.allowanceTotal, allowances)) return `allowanceTotal ${cents(i.allowanceTotal)} is not the sum of the document allowances (${cents(allowances)})`;
  if (i.chargeTotal !== undefined && !agrees(i.chargeTotal, charges)) return `chargeTotal ${cents(i.chargeTotal)} is not the sum of the document charges (${cents(charges)})`;
  const taxExclusive = lineTotal - allowances + charges;
  if (i.taxExclusiveAmount !== undefined && !agrees(i.taxExclusiveAmount, taxExclusive)) {
    return `taxExclusiveAmount ${cents(i.taxExclusiveAmount)} is not the lines less allowances plus charges (${cents(taxExclusive)})`;
  }
  const taxInclusive = (i.taxExclusiveAmount ?? taxExclusive) + (i.taxAmount ?? 0);
  if (i.taxInclusiveAmount !== undefined && !agrees(i.taxInclusiveAmount, taxInclusive)) {
    return `taxInclusiveAmount ${cents(i.taxInclusiveAmount)} is not taxExclusiveAmount plus taxAmount (${cents(taxInclusive)})`;
  }
  const payable = (i.taxInclusiveAmount ?? taxInclusive) - (i.prepaidAmount ?? 0) + (i.roundingAmount ?? 0);
  if (typeof i.totalAmount === 'number' && !agrees(i.totalAmount, payable)) {
    return `totalAmount ${cents(i.totalAmount)} is not the tax-inclusive amount less prepaid plus rounding (${cents(payable)})`;
  }
  return undefined;
}

/** On `totalAmount`: every sum of the invoice agrees with its parts within one cent (see {@link totalsProblem}). */
export const TotalsAgree = (): PropertyDecorator =>
  ValidateBy({
    name: 'totalsAgree',
    validator: {
      validate: (_value: unknown, args?: ValidationArguments) => totalsProblem(args?.object as Totals) === undefined,
      defaultMessage: (args?: ValidationArguments) => `the invoice's sums disagree: ${totalsProblem(args?.object as Totals)}`,
    },
  });
