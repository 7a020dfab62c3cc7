// `npm run chat` while a service runs on the same database: the terminal chat goes through the service (its /try
// API, with the local token) instead of opening the database itself, and prints the reply and the receipt.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startService, type RunningService } from '../../src/service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';

let t: TestDatabase;
let service: RunningService;
let dataDir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-chat-remote-'));
  const config = { ...t.config, databaseUrl: t.db.url, dbPoolSize: 4, port: 0, host: '127.0.0.1', dataDir, jobsEnabled: false };
  service = await startService(config, createLogger({ logLevel: 'silent' }), { outbox: { pollMs: 20 } });
});
afterAll(async () => {
  await service?.stop();
  await t?.close();
});

function chat(input: string, from = '+919876543211'): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/ops/chat-cli.ts', '--from', from], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', DATA_DIR: dataDir, DATABASE_URL: t.db.url },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

it('talks to the running service instead of opening the database', async () => {
  // 10 kg × ₹200.00 = ₹2,000.00; 5% commission ₹100.00; FAR002's net ₹1,900.00.
  const { code, out, err } = await chat('FAR002 மல்லி 10 @200\n');
  expect(err).toBe('');
  expect(code).toBe(0);
  expect(out).toContain('+919876543211 > FAR002 மல்லி 10 @200');
  expect(out).toContain('bot → you:\n    ✓ #1 FAR002 மல்லிகை 10 கிலோ × ₹200.00 = ₹2,000.00');
  expect(out).toContain('bot → +919876543212:');
  expect(out).toContain('உங்கள் இப்போதைய இருப்பு: ₹1,900.00');
  // The service's inbox stored it, as it stores a webhook's message.
  const rows = await sql(
    t.db,
    "select channel, outcome, provider_message_id like 'console-try-%' as by_service from inbound_messages where text = 'FAR002 மல்லி 10 @200'",
  );
  expect(rows).toEqual([{ channel: 'console', outcome: 'done', by_service: true }]);
});

it("a farmer's list comes as numbered choices, and typing a number runs that row through the service", async () => {
  const { code, out } = await chat('உதவி\n1\n', '+919876543212');
  expect(code).toBe(0);
  expect(out).toContain('    1. என் இருப்பு\n');
  // `1` is the balance row: the reply is FAR002's balance, not the list again.
  const afterOne = out.slice(out.indexOf('+919876543212 > 1'));
  expect(afterOne).toContain('Kumar Raja (FAR002)\n    இருப்பு: ₹');
  expect(afterOne).not.toContain('1. என் இருப்பு');
});

it('opens the database itself when the service is gone', async () => {
  await service.stop();
  expect(fs.existsSync(path.join(dataDir, 'console-service.json'))).toBe(false);
  const { code, out } = await chat('FAR003 rose 2 @100\n');
  expect(code).toBe(0);
  expect(out).toContain('✓ #2 FAR003');
});
