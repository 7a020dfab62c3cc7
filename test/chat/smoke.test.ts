import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { outboxSince, send, setTestRates } from './helpers.js';
let t: TestDatabase;
beforeAll(async () => { t = await createTestDatabase(); await setTestRates(t); });
afterAll(async () => { await t.close(); });
it('smoke', async () => {
  await send(t, '+919876543210', 'FAR001 malli 12.5\nfar2 rose 7.25kg\n3 mali 4\nFAR003 தாமரை 40 @12.50\nFAR002 rose 12,5');
  await send(t, '+919876543212', 'இருப்பு');
  await send(t, '+919876543212', 'rates');
  await send(t, '+919876543210', 'today');
  await send(t, '+919876543210', 'help');
  await send(t, '+919800000000', 'hi');
  console.log((await outboxSince(t)).map((r) => `${r.recipient_phone} ${r.type} ${r.language}\n${r.text}`).join('\n---\n'));
  expect(1).toBe(1);
});
