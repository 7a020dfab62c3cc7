// Exact money arithmetic. Amounts travel as numeric strings ('1234.50') between the database and the
// PDF; arithmetic happens in big.js, rounding half-up to the paisa once per line. No JS float ever holds money.
import BigImport from 'big.js';

export const Big = BigImport;
export type Big = BigImport;

/** Parses a numeric string or integer; refuses NaN, infinities and floats with hidden binary error. */
export function dec(value: string | number | Big): Big {
  if (value instanceof BigImport) return value;
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new TypeError(`money must not come from a float (${value}); pass a string`);
  }
  return new BigImport(value);
}

/** Rounds half-up to 2 decimals and returns the canonical string ('12.50'). */
export function rupees(value: string | number | Big): string {
  return dec(value).round(2, BigImport.roundHalfUp).toFixed(2);
}

/** Quantities: 3 decimals ('12.500'). */
export function qty(value: string | number | Big): string {
  return dec(value).round(3, BigImport.roundHalfUp).toFixed(3);
}

/** The ledger rules for one entry line (docs/ledger.md). */
export function entryAmounts(input: { quantity: string; ratePerUnit: string; commissionRate: string; feeAmount: string }) {
  const totalAmount = rupees(dec(input.quantity).times(input.ratePerUnit));
  const commissionAmount = rupees(dec(totalAmount).times(input.commissionRate).div(100));
  const feeAmount = rupees(input.feeAmount);
  const netAmount = rupees(dec(totalAmount).minus(commissionAmount).minus(feeAmount));
  return { totalAmount, commissionAmount, feeAmount, netAmount };
}

export const sum = (values: (string | Big)[]) => rupees(values.reduce<Big>((acc, v) => acc.plus(dec(v)), new BigImport(0)));

/** '₹1,23,456.50': Indian digit grouping (lakhs and crores), minus sign before the symbol. */
export function formatRupees(value: string | Big): string {
  const fixed = rupees(value);
  const negative = fixed.startsWith('-');
  const [whole = '0', paise = '00'] = fixed.replace('-', '').split('.');
  const last3 = whole.slice(-3);
  const rest = whole.slice(0, -3);
  const grouped = rest ? `${rest.replace(/\B(?=(\d{2})+(?!\d))/g, ',')},${last3}` : last3;
  return `${negative ? '-' : ''}₹${grouped}.${paise}`;
}
