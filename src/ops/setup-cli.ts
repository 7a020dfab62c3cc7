// npm run setup: names the market and creates its first admin. Asks in a terminal; with flags it asks nothing.
// Run again, it updates the market settings and refuses to make a second first admin.
import fs from 'node:fs';
import { loadConfig, loadDotEnv, type Config } from '../config.js';
import { openDatabase } from '../db/orm.js';
import { createLogger } from '../logger.js';
import { prepareDatabase } from '../service.js';
import { AppError } from '../errors.js';
import { normalizePhone } from '../domain/phone.js';
import { createFirstAdmin, hasActiveAdmin } from '../domain/users/users.service.js';
import { encodeSetting, getSetting, isTimeZone, updateSetting } from '../domain/settings/settings.service.js';
import { SETTINGS_CATALOG } from '../domain/settings/catalog.js';
import { getStoredSetting } from '../domain/settings/settings.service.js';
import type { Actor } from '../domain/audit/actor.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { parseCommandLine, runCli, UsageError } from './cli.js';
import { openPrompter, type Prompter } from './prompt.js';

const USAGE = `Usage: npm run setup [-- --market-name NAME --market-name-ta NAME --timezone ZONE --commission PERCENT
                         --admin-email EMAIL --admin-phone +91... (--admin-password PASSWORD | --admin-password-file FILE)
                         [--admin-name NAME] [--admin-language en|ta]]
In a terminal it asks for what the flags do not give; otherwise every admin flag is needed until an admin exists.`;

const OPTIONS = {
  'market-name': { type: 'string' },
  'market-name-ta': { type: 'string' },
  timezone: { type: 'string' },
  commission: { type: 'string' },
  'admin-email': { type: 'string' },
  'admin-phone': { type: 'string' },
  'admin-password': { type: 'string' },
  // A command line is visible to other users (ps) and npm echoes it: a file keeps the password off it.
  'admin-password-file': { type: 'string' },
  'admin-name': { type: 'string' },
  'admin-language': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const MIN_PASSWORD_LENGTH = 10;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SETUP_ACTOR: Actor = { userId: null, role: null, ip: null, userAgent: 'npm run setup', channel: 'cli' };

/** A checker returns the value to keep (normalised) or throws a message. */
type Check = (v: string) => string;
const setting =
  (key: string): Check =>
  (v) => {
    const def = SETTINGS_CATALOG.find((s) => s.key === key)!;
    try {
      return encodeSetting(def, v);
    } catch (err) {
      throw new Error((err as Error).message);
    }
  };
const checks = {
  timezone: (v: string) => {
    if (!isTimeZone(v.trim())) throw new Error(`${v} is not an IANA time zone (e.g. Asia/Kolkata)`);
    return v.trim();
  },
  commission: setting('commission_rate'),
  email: (v: string) => {
    const e = v.trim().toLowerCase();
    if (!EMAIL.test(e) || e.length > 254) throw new Error(`${v} is not an email address`);
    return e;
  },
  phone: (v: string) => {
    const p = normalizePhone(v);
    if (!p) throw new Error(`${v} is not a phone number (WhatsApp number in E.164, e.g. +919876543210)`);
    return p;
  },
  password: (v: string) => {
    if (v.length < MIN_PASSWORD_LENGTH) throw new Error(`the password needs at least ${MIN_PASSWORD_LENGTH} characters`);
    return v;
  },
  name: (v: string) => {
    if (!v.trim() || v.length > 255) throw new Error('a name of 1 to 255 characters');
    return v.trim();
  },
  language: (v: string) => {
    if (v !== 'en' && v !== 'ta') throw new Error('en or ta');
    return v;
  },
};

/** A flag's value checked (a bad one is a usage error), or asked for in a terminal, or the default. */
async function value(
  prompter: Prompter | null,
  flag: string | undefined,
  question: string,
  check: Check,
  fallback?: string,
  hidden = false,
): Promise<string | undefined> {
  if (flag !== undefined) {
    try {
      return check(flag);
    } catch (err) {
      if (!prompter) throw new UsageError(`${question}: ${(err as Error).message}`, USAGE);
      console.error(`${question}: ${(err as Error).message}`);
    }
  }
  if (!prompter) return fallback === undefined ? undefined : check(fallback);
  for (;;) {
    const answer = await prompter.ask(question, { hidden, ...(fallback !== undefined ? { fallback } : {}) });
    try {
      return check(answer);
    } catch (err) {
      console.error(`  ${(err as Error).message}`);
    }
  }
}

async function currentValue(em: EntityManager, key: string, config: Config): Promise<string> {
  // The zone: what the database recorded, else the one this install runs under.
  if (key === 'market_timezone') return (await getStoredSetting(em, key)) ?? config.marketTimeZone;
  return String((await getSetting(em, key)).value);
}

await runCli(async (argv) => {
  const { values: flags } = parseCommandLine(argv, USAGE, OPTIONS);
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (flags['admin-password-file'] !== undefined) {
    if (flags['admin-password'] !== undefined) throw new UsageError('give --admin-password or --admin-password-file, not both', USAGE);
    let text: string;
    try {
      text = fs.readFileSync(flags['admin-password-file'], 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --admin-password-file: ${(err as Error).message}`, USAGE);
    }
    flags['admin-password'] = text.split(/\r?\n/)[0]!;
  }
  loadDotEnv();
  const config = loadConfig();
  const db = await openDatabase(config);
  const prompter = process.stdin.isTTY ? openPrompter() : null;
  try {
    // A new database is migrated and given its catalogue first, as `npm start` would.
    await prepareDatabase(db, { ...config, migrateOnStart: true }, createLogger({ ...config, logLevel: 'warn' }));
    const em = db.orm.em.fork() as EntityManager;
    const adminExists = await hasActiveAdmin(em);
    const adminFlags = [flags['admin-email'], flags['admin-phone'], flags['admin-password'], flags['admin-name'], flags['admin-language']];
    if (!prompter && !adminExists) {
      const missing = (['admin-email', 'admin-phone', 'admin-password'] as const).filter((f) => flags[f] === undefined);
      if (missing.length) throw new UsageError(`no admin yet: give ${missing.map((f) => `--${f}`).join(', ')}`, USAGE);
    }
    if (prompter)
      console.log(
        adminExists ? 'Market settings (Enter keeps the value in brackets):' : 'Setting up the market (Enter keeps the value in brackets).',
      );

    // Everything is checked before anything is written.
    const market = {
      market_name: await value(
        prompter,
        flags['market-name'],
        'Market name (English)',
        setting('market_name'),
        prompter ? await currentValue(em, 'market_name', config) : undefined,
      ),
      market_name_ta: await value(
        prompter,
        flags['market-name-ta'],
        'Market name (Tamil)',
        setting('market_name_ta'),
        prompter ? await currentValue(em, 'market_name_ta', config) : undefined,
      ),
      market_timezone: await value(
        prompter,
        flags.timezone,
        'Time zone',
        checks.timezone,
        prompter ? await currentValue(em, 'market_timezone', config) : undefined,
      ),
      commission_rate: await value(
        prompter,
        flags.commission,
        'Default commission (%)',
        checks.commission,
        prompter ? await currentValue(em, 'commission_rate', config) : undefined,
      ),
    };
    let admin: { email: string; phone: string; password: string; fullName: string; languagePreference: 'en' | 'ta' } | undefined;
    if (!adminExists) {
      if (prompter) console.log('The first admin (signs in to the web pages; their WhatsApp number is served as an admin):');
      admin = {
        fullName: (await value(prompter, flags['admin-name'], 'Admin name', checks.name, 'Admin'))!,
        email: (await value(prompter, flags['admin-email'], 'Admin email', checks.email))!,
        phone: (await value(prompter, flags['admin-phone'], 'Admin WhatsApp phone (+91...)', checks.phone))!,
        languagePreference: (await value(prompter, flags['admin-language'], 'Admin language (en or ta)', checks.language, 'en')) as 'en' | 'ta',
        password: '',
      };
      let password = await value(
        prompter,
        flags['admin-password'],
        `Admin password (at least ${MIN_PASSWORD_LENGTH} characters)`,
        checks.password,
        undefined,
        true,
      );
      while (prompter && flags['admin-password'] === undefined && (await prompter.ask('Same password again', { hidden: true })) !== password) {
        console.error('  the two passwords differ; again');
        password = await value(prompter, undefined, `Admin password (at least ${MIN_PASSWORD_LENGTH} characters)`, checks.password, undefined, true);
      }
      admin.password = password!;
    }

    // Settings: one audited change per value that differs.
    for (const [key, next] of Object.entries(market)) {
      if (next === undefined) continue;
      const before = await currentValue(em, key, config);
      if (before === next) {
        console.log(`${key}: ${next} (unchanged)`);
        continue;
      }
      await updateSetting(em.fork() as EntityManager, key, next, SETUP_ACTOR);
      console.log(`${key}: ${next} (was ${before})`);
    }
    const zone = market.market_timezone ?? (await currentValue(em, 'market_timezone', config));
    if (zone !== config.marketTimeZone) {
      console.log(
        `MARKET_TIMEZONE is ${config.marketTimeZone} here: set MARKET_TIMEZONE=${zone} in .env (or the environment of every instance) and restart; /ready says not ready until the two agree.`,
      );
    }

    if (adminExists) {
      if (adminFlags.some((f) => f !== undefined)) {
        console.error(
          'Error: the market already has an admin, so setup does not create another one. Sign in as that admin and add accounts with POST /api/users.',
        );
        return 1;
      }
      console.log('The market has an admin already: nothing else to do.');
      return 0;
    }
    const created = await createFirstAdmin(em.fork() as EntityManager, admin!, SETUP_ACTOR);
    console.log(`First admin created: ${created.fullName} <${created.email}>, WhatsApp ${created.phone}, role admin.`);
    console.log("Next: npm start, then sign in at /admin/rates (or POST /api/auth/login) and set today's rates.");
    return 0;
  } catch (err) {
    if (err instanceof AppError && err.code === 'ADMIN_EXISTS') {
      console.error(`Error: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    prompter?.close();
    await db.close();
  }
});
