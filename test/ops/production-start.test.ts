// A production install from nothing: `npm start` on an empty database gets the catalogue and no sample people;
// the guide's admin phone is a stranger; `npm run setup` (the real CLI, without prompts) names the market and
// makes the first admin, once; then that admin's phone is served as an admin.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../../src/service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { shownText, startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { sql } from '../support/sql.js';
import { cloudTestConfig, eventually, fixture, sign } from '../support/channels.js';
import { verifyPassword } from '../../src/domain/users/password.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

let t: TestDatabase;
let fake: FakeGraph;
let service: RunningService;
const logLines: { level: number; msg: string }[] = [];

beforeAll(async () => {
  t = await createTestDatabase({ prepared: false, config: { nodeEnv: 'production' } });
  fake = await startFakeGraph();
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as { level: number; msg: string }) });
  service = await startService({ ...cloudTestConfig(t, fake.url), nodeEnv: 'production' }, logger, { outbox: { pollMs: 20 } });
});
afterAll(async () => {
  await service?.stop();
  await fake?.close();
  await t?.close();
});

const count = async (query: string) => Number((await sql<{ n: number }>(t.db, `select count(*)::int as n from ${query}`))[0]!.n);

let seq = 0;
async function send(from: string, text: string) {
  const body = fixture('text-message.json', { now: true })
    .replace(/wamid\.HBgMOTE5ODc2NTQzMjExFQIAEhgg[A-Za-z0-9]+/, `wamid.PROD-${from}-${++seq}`)
    .replaceAll('919876543211', from)
    .replace('FAR001 malli 12.5', text);
  const res = await fetch(`http://127.0.0.1:${service.port}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
    body,
  });
  expect(res.status).toBe(200);
}
const textsTo = (to: string) =>
  fake
    .accepted()
    .filter((m) => m.body.to === to)
    .map(shownText);

function setup(args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'src/ops/setup-cli.ts', ...args], {
    cwd: root,
    timeout: 120_000,
    env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: t.db.url, DB_POOL_SIZE: '2', LOG_LEVEL: 'silent', MARKET_TIMEZONE: 'Asia/Kolkata' },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

describe('a production start on an empty database', () => {
  it('has the catalogue and no sample people, phones or rates; says setup is needed', async () => {
    expect(await count('flower_types')).toBe(5);
    expect(await count('time_slots')).toBe(5);
    expect(await count(`system_settings where key = 'commission_rate'`)).toBe(1);
    expect(await count('farmers')).toBe(0);
    expect(await count('market_rates')).toBe(0);
    expect(await count('users where phone is not null')).toBe(0);

    const ready = await fetch(`http://127.0.0.1:${service.port}/ready`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
    expect(body.checks.setup).toEqual({ ok: false, detail: 'no admin yet: run npm run setup' });
    expect(body.checks.timezone!.ok).toBe(true);
    expect(logLines.filter((l) => l.msg.includes('npm run setup'))).toHaveLength(1);
  });

  it('treats the guide admin phone as a stranger: `adv FAR002 500` creates nothing and gets the unknown-number reply', async () => {
    await send('919876543210', 'adv FAR002 500 test');
    await eventually(() => textsTo('919876543210').length > 0, 'the reply');
    expect(textsTo('919876543210')).toEqual([expect.stringContaining('This number is not registered with')]);
    expect(await count('cash_advances')).toBe(0);
    expect(await count(`inbound_messages where outcome = 'unknown_sender'`)).toBe(1);
  });
});

describe('npm run setup', () => {
  const flags = (name: string) => [
    '--market-name',
    name,
    '--market-name-ta',
    'வேலு பூ மண்டி',
    '--timezone',
    'Asia/Kolkata',
    '--commission',
    '6.5',
    '--admin-email',
    'Owner@Velu.example',
    '--admin-phone',
    '+91 90000 11111',
    '--admin-password',
    'a-long-owner-pass',
    '--admin-name',
    'Velu',
  ];

  it('refuses a bad phone or a short password with the usage line, before writing anything', async () => {
    const bad = await setup([...flags('Velu Flowers').slice(0, -6), '--admin-phone', 'call me', '--admin-password', 'a-long-owner-pass']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a phone number');
    expect(bad.stderr).toContain('Usage: npm run setup');
    const short = await setup([...flags('Velu Flowers').slice(0, -4), '--admin-password', 'short']);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 10 characters');
    expect(await count('users')).toBe(0);
    expect(await count(`system_settings where key = 'market_name' and value = 'Velu Flowers'`)).toBe(0);
  });

  it('without prompts, twice: one admin, the settings of the second run, a clear refusal the second time', async () => {
    const first = await setup(flags('Velu Flowers'));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('First admin created: Velu <owner@velu.example>, WhatsApp +919000011111');

    const second = await setup(flags('Velu Flower Mandi'));
    expect(second.code).toBe(1);
    expect(second.stdout).toContain('market_name: Velu Flower Mandi (was Velu Flowers)');
    expect(second.stderr).toContain('already has an admin');

    const admins = await sql<{ email: string; phone: string; role: string; password_hash: string }>(
      t.db,
      'select email, phone, role, password_hash from users',
    );
    expect(admins.map(({ email, phone, role }) => ({ email, phone, role }))).toEqual([
      { email: 'owner@velu.example', phone: '+919000011111', role: 'admin' },
    ]);
    expect(await verifyPassword(admins[0]!.password_hash, 'a-long-owner-pass')).toBe(true);
    const settings = await sql(
      t.db,
      `select key, value from system_settings where key in ('market_name', 'market_name_ta', 'commission_rate', 'market_timezone') order by key`,
    );
    expect(settings).toEqual([
      { key: 'commission_rate', value: '6.5' },
      { key: 'market_name', value: 'Velu Flower Mandi' },
      { key: 'market_name_ta', value: 'வேலு பூ மண்டி' },
      { key: 'market_timezone', value: 'Asia/Kolkata' },
    ]);
    // Audited through the domain services: the admin once, each changed setting.
    expect(await count(`security_logs where action = 'user_created' and details->>'firstAdmin' = 'true'`)).toBe(1);
    expect(await count(`security_logs where action = 'setting_changed' and entity_id = 'market_name'`)).toBe(2);

    expect((await fetch(`http://127.0.0.1:${service.port}/ready`)).status).toBe(200);
  });

  it("then the admin's phone is served as an admin, and an entry with no rate set gets the rate-missing reply", async () => {
    await sql(
      t.db,
      `insert into farmers (id, farmer_code, name, phone, whatsapp_number) values (gen_random_uuid(), 'FAR001', 'Murugan', '+919000022222', '+919000022222')`,
    );
    await send('919000011111', 'FAR001 malli 12.5');
    await eventually(() => textsTo('919000011111').length > 0, 'the admin reply');
    expect(textsTo('919000011111')).toEqual([expect.stringMatching(/^✗ No rate for Jasmine in .+ on \d{4}-\d{2}-\d{2}\. Add the rate like @450/)]);
    expect(await count('daily_entries')).toBe(0);

    await send('919000011111', 'FAR001 malli 12.5 @400');
    await eventually(() => textsTo('919000011111').length > 1, 'the second reply');
    // 12.5 kg × ₹400.00 = ₹5,000.00; the setup's 6.5% commission is ₹325.00; net ₹4,675.00.
    expect(textsTo('919000011111')[1]).toContain('× ₹400.00 = ₹5,000.00 (comm. ₹325.00, net ₹4,675.00)');
  });
});
