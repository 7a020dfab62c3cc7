// npm run chat -- --from <phone> [--at HH:MM] [--documents DIR]
// A terminal chat with the real pipeline and database (DATABASE_URL, or the embedded one in DATA_DIR). When a service
// is running on the same data folder or database, the chat goes through it instead (src/ops/chat-remote.ts).
import path from 'node:path';
import { loadConfig, type Config } from '../config.js';
import { findLocalService, type LocalService } from '../http/try/local-service.js';
import { remoteChat } from './chat-remote.js';
import { openDatabase } from '../db/orm.js';
import { createLogger } from '../logger.js';
import { parseCommandLine, runCli, UsageError } from './cli.js';
import { prepareDatabase } from '../service.js';
import { receiveMessage } from '../chat/pipeline.js';
import { localDate } from '../domain/market-time.js';
import { marketInstant } from '../channels/console/market-clock.js';
import { ConsoleChannel } from '../channels/console/console-channel.js';
import { deliverPending, highestNotificationId } from '../channels/console/console-delivery.js';
import { settlementStatements } from '../chat/statements.js';
import { afterLedgerDocumentSent, ledgerDocumentResolver } from '../outbox/documents.js';
import { rememberMenu } from '../domain/menus/menus.js';
import type { NotificationPayload } from '../domain/notifications/notification.entity.js';

const USAGE = 'Usage: npm run chat -- --from +919876543211 [--at 05:40] [--documents DIR]';

async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, USAGE, { from: { type: 'string' }, at: { type: 'string' }, documents: { type: 'string' } });
  if (!values.from) throw new UsageError('--from is required', USAGE);
  const config = loadConfig();
  // The terminal is for the conversation: only warnings (like a new account's password) get through.
  const logger = createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const running = findLocalService(config);
  if (running) return chatWithService(config, running, values);
  const db = await openDatabase(config);
  try {
    await prepareDatabase(db, config, logger);
    const parseClock = clockParser(config);
    const fixed = values.at ? parseClock(values.at) : null;
    if (values.at && !fixed) throw new Error(`--at ${values.at}: write a market time like 05:40`);
    const interactive = Boolean(process.stdin.isTTY);
    const channel = new ConsoleChannel({
      input: process.stdin,
      output: process.stdout,
      from: values.from,
      documentsDir: path.resolve(values.documents ?? path.join(config.dataDir, 'console-documents')),
      clock: fixed ? () => fixed : undefined,
      parseClock,
      interactive,
      rememberMenu: (phone, commands) => rememberMenu(db.orm.em.fork(), phone, commands),
    });
    if (interactive) {
      channel.print(`Malar Ledger chat (${db.kind} database). Writing as ${channel.sender}. Type help; /quit to leave.`);
      channel.print('A line with only """ starts a multi-line message; another """ line sends it.');
    }
    const deps = { orm: db.orm, config, logger, statements: settlementStatements({ timeZone: config.marketTimeZone }) };
    const hooks = {
      resolveDocument: ledgerDocumentResolver({ orm: db.orm, dataDir: config.dataDir, timeZone: config.marketTimeZone }),
      onSent: (n: { type: string; payload: NotificationPayload }) => afterLedgerDocumentSent(db.orm, n),
    };
    let watermark = await highestNotificationId(db.orm.em.fork());
    await channel.start(async (message) => {
      if (!interactive) channel.print(`${message.sender} > ${message.text!.replace(/\n/g, '\n    ')}`);
      await receiveMessage(deps, message);
      watermark = await deliverPending(db.orm.em.fork(), channel, watermark, hooks);
    });
    await channel.finished();
    return 0;
  } finally {
    await db.close();
  }
}

function clockParser(config: Config) {
  return (value: string) => {
    if (!/^\d{1,2}:\d{2}$/.test(value)) return null;
    return marketInstant(localDate(new Date(), config.marketTimeZone), value.padStart(5, '0'), config.marketTimeZone);
  };
}

/** A service runs on this data folder or database: talk to it as the try-it page does. */
async function chatWithService(config: Config, service: LocalService, values: { from?: string; at?: string; documents?: string }): Promise<number> {
  const parseClock = clockParser(config);
  const fixed = values.at ? parseClock(values.at) : null;
  if (values.at && !fixed) throw new UsageError(`--at ${values.at}: write a market time like 05:40`, USAGE);
  const interactive = Boolean(process.stdin.isTTY);
  const channel = new ConsoleChannel({
    input: process.stdin,
    output: process.stdout,
    from: values.from!,
    documentsDir: path.resolve(values.documents ?? path.join(config.dataDir, 'console-documents')),
    clock: fixed ? () => fixed : undefined,
    parseClock,
    interactive,
  });
  const remote = remoteChat(service, channel);
  await remote.start();
  if (interactive) {
    channel.print(`Malar Ledger chat, through the running service on port ${service.port}. Writing as ${channel.sender}. Type help; /quit to leave.`);
    channel.print('A line with only """ starts a multi-line message; another """ line sends it.');
  }
  await channel.start(async (message) => {
    if (!interactive) channel.print(`${message.sender} > ${message.text!.replace(/\n/g, '\n    ')}`);
    await remote.send(message);
  });
  await channel.finished();
  return 0;
}

await runCli(main);
