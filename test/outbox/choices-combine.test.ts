// Texts queued for one person are sent as one message; a row with choices (buttons, a list) keeps them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { claimDueNotifications } from '../../src/domain/notifications/delivery.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const queue = (phone: string, payload: object) =>
  sql(
    t.db,
    `insert into notifications (recipient_phone, type, language, payload, status, attempts, next_attempt_at) values (?, 'reply', 'en', ?::jsonb, 'pending', 0, now())`,
    [phone, JSON.stringify(payload)],
  );

const list = (id: string) => ({ style: 'list', numberHint: 'n', items: [{ id, title: id }] });

it('a combined message keeps the choices of the last row that had them; plain texts stay without', async () => {
  await queue('+919800000801', { text: 'one', choices: list('bal') });
  await queue('+919800000801', { text: 'two' });
  await queue('+919800000801', { text: 'three', choices: list('rates') });
  await queue('+919800000801', { text: 'four' });
  await queue('+919800000802', { text: 'plain' });
  await queue('+919800000802', { text: 'again' });
  const claimed = await claimDueNotifications(t.db.orm.em.fork(), { limit: 10, leaseMs: 60_000, recipientGapMs: 0, combineUpTo: 4096 });
  const byPhone = Object.fromEntries(claimed.map((c) => [c.recipientPhone, c.payload]));
  expect(byPhone['+919800000801']).toEqual({ text: 'one\n\ntwo\n\nthree\n\nfour', choices: list('rates') });
  expect(byPhone['+919800000802']).toEqual({ text: 'plain\n\nagain' });
});
