// The terminal channel over a real database: piped lines, a multi-line block, switching sender, a saved document.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConsoleChannel } from '../../src/channels/console/console-channel.js';
import { deliverPending, highestNotificationId } from '../../src/channels/console/console-delivery.js';
import { marketInstant } from '../../src/channels/console/market-clock.js';
import { receiveMessage } from '../../src/chat/pipeline.js';
import { enqueueNotification } from '../../src/domain/notifications/outbox.js';
import { ledgerDocumentResolver } from '../../src/outbox/documents.js';
import { settlementStatements } from '../../src/chat/statements.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { chatDeps, setTestRates } from './helpers.js';

let t: TestDatabase;
let docs: string;
beforeAll(async () => {
  t = await createTestDatabase();
  await setTestRates(t);
  docs = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-console-'));
});
const hooks = () => ({ resolveDocument: ledgerDocumentResolver({ orm: t.db.orm, dataDir: docs, timeZone: 'Asia/Kolkata' }) });
afterAll(async () => {
  await t?.close();
  fs.rmSync(docs, { recursive: true, force: true });
});

it('market time 05:40 in Asia/Kolkata is 00:10 UTC', () => {
  expect(marketInstant('2030-03-02', '05:40', 'Asia/Kolkata').toISOString()).toBe('2030-03-02T00:10:00.000Z');
});

it('runs a piped session: one message per line, """ blocks as one message, /from, and prints what the bot sends', async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const channel = new ConsoleChannel({
    input,
    output,
    from: '98765 43210',
    documentsDir: docs,
    clock: () => new Date('2030-03-02T00:40:00Z'),
  });
  const deps = chatDeps(t);
  let watermark = await highestNotificationId(t.db.orm.em.fork());
  await channel.start(async (message) => {
    await receiveMessage(deps, message);
    watermark = await deliverPending(t.db.orm.em.fork(), channel, watermark, hooks());
  });
  input.end(['FAR002 rose 2', '"""', 'FAR003 malli 1', 'FAR003 rose 1', '"""', '/from +919876543212', 'இருப்பு', ''].join('\n'));
  await channel.finished();

  // 2 × 180.35 = 360.70, commission 18.04 (18.035 half-up), net 342.66
  expect(printed).toContain('  bot → you:\n    ✓ #1 FAR002 Rose 2 kg × ₹180.35 = ₹360.70 (comm. ₹18.04, net ₹342.66)');
  expect(printed).toContain('    1. ✓ #2 FAR003 Jasmine 1 kg');
  expect(printed).toContain('    2. ✓ #3 FAR003 Rose 1 kg');
  expect(printed).toContain('  bot → +919876543213:');
  expect(printed).toContain('(now writing as +919876543212)');
  expect(printed).toContain('    இருப்பு: ₹342.66');
  const messages = await sql<{ n: string }>(t.db, `select count(*)::text as n from inbound_messages where channel = 'console'`);
  expect(messages[0]!.n).toBe('3');
  const pending = await sql<{ n: string }>(t.db, `select count(*)::text as n from notifications where status = 'pending'`);
  expect(pending[0]!.n).toBe('0');
});

it('saves a document to the folder and prints its path', async () => {
  const source = path.join(docs, 'source.pdf');
  fs.writeFileSync(source, '%PDF-1.4 test');
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const channel = new ConsoleChannel({ input: new PassThrough(), output, from: '+919876543212', documentsDir: path.join(docs, 'out') });
  const em = t.db.orm.em.fork();
  const before = await highestNotificationId(em);
  enqueueNotification(em, {
    recipientPhone: '+919876543212',
    type: 'statement',
    language: 'ta',
    payload: { documentPath: source, filename: 'S-2030W09-FAR002.pdf' },
  });
  await em.flush();
  await deliverPending(t.db.orm.em.fork(), channel, before, hooks());
  const saved = /saved to (\S+)/.exec(printed)?.[1];
  expect(saved).toBeDefined();
  expect(path.dirname(saved!)).toBe(path.join(docs, 'out'));
  expect(saved!.endsWith('S-2030W09-FAR002.pdf')).toBe(true);
  expect(fs.readFileSync(saved!, 'utf8')).toBe('%PDF-1.4 test');
});

it('sends a farmer their statement as a PDF for `stmt`, saved to the folder', async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const outDir = path.join(docs, 'stmt');
  const channel = new ConsoleChannel({ input, output, from: '+919876543210', documentsDir: outDir, clock: () => new Date('2030-03-02T01:00:00Z') });
  const deps = { ...chatDeps(t), statements: settlementStatements({ timeZone: 'Asia/Kolkata', now: () => new Date('2030-03-02T01:00:00Z') }) };
  let watermark = await highestNotificationId(t.db.orm.em.fork());
  await channel.start(async (message) => {
    await receiveMessage(deps, message);
    watermark = await deliverPending(t.db.orm.em.fork(), channel, watermark, hooks());
  });
  // The admin logs a lot for FAR003, then FAR003 asks for a statement.
  input.end(['FAR003 rose 3', '/from +919876543213', 'அறிக்கை', ''].join('\n'));
  await channel.finished();
  expect(printed).toContain('PDF');
  const saved = /saved to (\S+\.pdf)/.exec(printed)?.[1];
  expect(saved, printed).toBeDefined();
  expect(fs.readFileSync(saved!).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(path.basename(saved!)).toMatch(/FAR003/);
});
