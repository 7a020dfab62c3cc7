// The daily rate card: at market open, when rate_card_broadcast is on, each farmer who has not opted out gets
// today's rates (flower × slot) with the change from yesterday, in their language. Outside the 24-hour window
// the Cloud API channel sends it as the approved text template. Sent once per farmer per day.
import type { MikroORM } from '@mikro-orm/postgresql';
import type { TFunction } from 'i18next';
import { translator } from '../i18n.js';
import type { Language } from '../domain/columns.js';
import { dec } from '../domain/money.js';
import { getBooleanSetting } from '../domain/settings/settings.service.js';
import { rateCard, type RateCardLine } from '../domain/broadcasts/rate-card.js';
import { broadcastFarmers } from '../domain/broadcasts/recipients.js';
import { enqueueBroadcast, recentTierLimitFailure } from '../domain/broadcasts/broadcast.js';
import { marketDate, money, nameIn } from '../chat/render.js';
import type { JobContext, JobResult } from './runner.js';

const change = (t: TFunction, line: RateCardLine) => {
  if (line.change === null) return '';
  const c = dec(line.change);
  if (c.gt(0)) return ` ▲${money(line.change)}`;
  if (c.lt(0)) return ` ▼${money(c.abs().toFixed(2))}`;
  return ` ${t('jobs.rateCard.same')}`;
};

export function rateCardText(lines: RateCardLine[], date: string, lang: Language): string {
  const t = translator(lang);
  const byFlower = new Map<string, string[]>();
  for (const l of lines) {
    const flower = nameIn(lang, { name: l.flowerName, nameTa: l.flowerNameTa });
    byFlower.set(flower, [
      ...(byFlower.get(flower) ?? []),
      `${nameIn(lang, { name: l.slotName, nameTa: l.slotNameTa })} ${money(l.rate)}${change(t, l)}`,
    ]);
  }
  return [
    t('jobs.rateCard.title', { date: marketDate(date, lang) }),
    ...[...byFlower].map(([f, slots]) => `${f}: ${slots.join(' · ')}`),
    t('jobs.rateCard.optOut'),
  ].join('\n');
}

export async function runRateCard(orm: MikroORM, ctx: JobContext, date: string): Promise<JobResult> {
  const em = orm.em.fork();
  if (!(await getBooleanSetting(em, 'rate_card_broadcast'))) return { outcome: 'skipped', summary: 'rate_card_broadcast is off' };
  const lines = await rateCard(em, date);
  if (!lines.length) return { outcome: 'skipped', summary: `no rates in force on ${date}` };
  const farmers = await broadcastFarmers(em, 'rateCard');
  // Meta refused business-initiated messages in the last day (the messaging tier): more would only fail.
  const tier = await recentTierLimitFailure(em, new Date(ctx.now.getTime() - 24 * 3_600_000));
  if (tier) {
    return {
      outcome: 'stopped',
      summary: `stopped: Meta answered ${tier.code} (messaging limit for the tier) at ${tier.at.toISOString()}; ${farmers.length} farmers not sent the ${date} rate card. The limit counts unique people over a moving 24 hours.`,
      details: { date, tierCode: tier.code, notSent: farmers.length },
    };
  }
  const texts = new Map<Language, string>();
  const r = await enqueueBroadcast(em, {
    type: 'rate_card',
    key: date,
    messages: farmers.map((f) => {
      if (!texts.has(f.language)) texts.set(f.language, rateCardText(lines, date, f.language));
      return { recipientPhone: f.phone, farmerId: f.id, type: 'rate_card', language: f.language, payload: { text: texts.get(f.language)!, date } };
    }),
  });
  return {
    summary: `${date}: rate card queued for ${r.queued} farmers (${r.alreadySent} already had it), ${lines.length} rates`,
    details: { date, ...r, rates: lines.length },
  };
}
