// The fat-finger guard, the one owner of "is this plausible?": a lot above the flower's largest plausible lot, a
// given rate far from the rate in force, an advance above a limit. Pure: the caller passes what was read. An
// implausible line is not an error of the input; it is held until the sender confirms it (confirmations.service.ts),
// or, over HTTP, refused with CONFIRMATION_REQUIRED unless the request says confirm: true.
import { AppError } from '../../errors.js';
import { dec } from '../money.js';

export type GuardFact =
  | { guard: 'lot'; quantity: string; unit: 'kg' | 'piece'; limit: string }
  | { guard: 'rate'; rate: string; rateInForce: string; factor: string }
  | { guard: 'advance'; amount: string; limit: string };

export interface LotLimits {
  maxLotKg: string;
  maxLotPieces: string;
}

/** The flower's own limit, else the setting for its unit. */
export const lotLimit = (flower: { unit: 'kg' | 'piece'; maxLotQuantity?: string | null }, limits: LotLimits) =>
  flower.maxLotQuantity ?? (flower.unit === 'kg' ? limits.maxLotKg : limits.maxLotPieces);

export function lotGuard(flower: { unit: 'kg' | 'piece'; maxLotQuantity?: string | null }, quantity: string, limits: LotLimits): GuardFact | null {
  const limit = lotLimit(flower, limits);
  return dec(quantity).gt(limit) ? { guard: 'lot', quantity, unit: flower.unit, limit: dec(limit).toString() } : null;
}

/** A given rate more than `factor` times the rate in force, or less than 1/factor of it. No rate in force: nothing to compare. */
export function rateGuard(rate: string, rateInForce: string | null | undefined, factor: string): GuardFact | null {
  if (!rateInForce || !dec(factor).gt(1)) return null;
  const r = dec(rate);
  const f = dec(rateInForce);
  const far = r.gt(f.times(factor)) || r.times(factor).lt(f);
  return far ? { guard: 'rate', rate, rateInForce, factor: dec(factor).toString() } : null;
}

export function advanceGuard(amount: string, limit: string): GuardFact | null {
  return dec(amount).gt(limit) ? { guard: 'advance', amount, limit } : null;
}

export const CONFIRMATION_REQUIRED = 'CONFIRMATION_REQUIRED';

/** The refusal an unconfirmed implausible line gets: 422 with the fact in details (HTTP shows it; the chat holds the line). */
export function confirmationRequired(fact: GuardFact): AppError {
  return new AppError(CONFIRMATION_REQUIRED, 'This looks unusual; send it again with confirm: true to record it', 422, { ...fact });
}

export const isConfirmationRequired = (err: unknown): err is AppError & { details: GuardFact } =>
  err instanceof AppError && err.code === CONFIRMATION_REQUIRED;
