// A week of realistic activity for trying the ledger out: daily rates, two or three lots per farmer per
// morning recorded by staff1 through the real entry service, and an advance. Deterministic, and idempotent:
// each lot has a fixed message id, so a second run adds nothing.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { StaffActor } from '../src/domain/audit/actor.js';
import { entryFarmer, recordEntries } from '../src/domain/entries/record-entries.js';
import { recordAdvance } from '../src/domain/advances/advances.service.js';
import { CashAdvance } from '../src/domain/advances/cash-advance.entity.js';
import { DailyEntry } from '../src/domain/entries/daily-entry.entity.js';
import { Farmer } from '../src/domain/farmers/farmer.entity.js';
import { FlowerType } from '../src/domain/flowers/flower-type.entity.js';
import { MarketRate } from '../src/domain/rates/market-rate.entity.js';
import { TimeSlot } from '../src/domain/slots/time-slot.entity.js';
import { User } from '../src/domain/users/user.entity.js';
import { localDate } from '../src/domain/market-time.js';
import { dec, rupees } from '../src/domain/money.js';
import { referenceRate } from './reference-data.js';

/** A small fixed-sequence generator, so every run makes the same week. */
function sequence(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
}

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The instant of a market-local date and time (the zone's offset on that day). */
function marketInstant(date: string, time: string, timeZone: string): Date {
  const guess = new Date(`${date}T${time}:00Z`);
  const local = new Date(guess.toLocaleString('en-US', { timeZone }));
  const utc = new Date(guess.toLocaleString('en-US', { timeZone: 'UTC' }));
  return new Date(guess.getTime() - (local.getTime() - utc.getTime()));
}

export async function seedDemoData(em: EntityManager, options: { marketTimeZone: string; now?: Date }): Promise<string[]> {
  const staff = await em.findOneOrFail(User, { email: 'staff1@malar.com' });
  const actor: StaffActor = { userId: staff.id, role: staff.role, phone: staff.phone, channel: 'cli' };
  const farmers = await em.find(Farmer, { farmerCode: { $in: ['FAR001', 'FAR002', 'FAR003'] } }, { orderBy: { farmerCode: 'asc' } });
  const flowers = await em.find(FlowerType, { isActive: true }, { orderBy: { code: 'asc' } });
  const slots = await em.find(TimeSlot, { isActive: true }, { orderBy: { sortOrder: 'asc' } });
  const today = localDate(options.now ?? new Date(), options.marketTimeZone);
  const next = sequence(47);
  let rates = 0;
  let entries = 0;
  let skipped = 0;

  for (let back = 7; back >= 1; back--) {
    const date = addDays(today, -back);
    // The day's rates: the reference rate moved by up to ±15%, in whole rupees.
    for (const flower of flowers) {
      for (const slot of slots) {
        const factor = 0.85 + next() * 0.3; // drawn even when the rate exists, so every run makes the same week
        if (await em.count(MarketRate, { flowerType: flower, timeSlot: slot, effectiveDate: date })) continue;
        em.create(MarketRate, {
          flowerType: flower,
          timeSlot: slot,
          effectiveDate: date,
          ratePerUnit: rupees(dec(referenceRate(slot.name)).times(factor.toFixed(2)).round(0)),
          createdBy: staff.id,
        });
        rates++;
      }
    }
    await em.flush();
    for (const farmer of farmers) {
      const lots = 2 + Math.floor(next() * 2);
      for (let lot = 0; lot < lots; lot++) {
        const flower = flowers[Math.floor(next() * flowers.length)]!;
        const minutes = 4 * 60 + 10 + Math.floor(next() * 5 * 60); // 04:10 to 09:10
        const time = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
        const quantity = flower.unit === 'piece' ? String(20 + Math.floor(next() * 80)) : (2 + next() * 18).toFixed(1);
        const sourceMessageId = `demo-${date}-${farmer.farmerCode}-${lot}`;
        if (await em.count(DailyEntry, { sourceMessageId })) {
          skipped++;
          continue;
        }
        await recordEntries(
          em,
          actor,
          [
            {
              farmer: entryFarmer(farmer),
              flower,
              quantity,
              slotId: null,
              rate: null,
              at: marketInstant(date, time, options.marketTimeZone),
              sourceMessageId,
              sourceLine: 0,
            },
          ],
          { timeZone: options.marketTimeZone },
        );
        entries++;
      }
    }
  }
  let advances = 0;
  const advanceId = `demo-${addDays(today, -3)}-advance-FAR002`;
  if (!(await em.count(CashAdvance, { sourceMessageId: advanceId }))) {
    await recordAdvance(em, {
      farmer: farmers[1]!,
      amount: '1500',
      reason: 'seeds and manure',
      actor,
      at: marketInstant(addDays(today, -3), '05:30', options.marketTimeZone),
      sourceMessageId: advanceId,
    });
    advances++;
  }
  await em.flush();
  return [`demo: ${rates} daily rates, ${entries} entries (${skipped} already present), ${advances} advance(s) for the last 7 days`];
}
