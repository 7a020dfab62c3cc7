// The one place that reads process.env. Everything else receives a typed Config.
import path from 'node:path';
import { z } from 'zod';

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-IN', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** Where the pipeline runs: PIPELINE_THREAD, else a worker with the Cloud API on a PostgreSQL server. */
const pipelineOnWorker = (env: { PIPELINE_THREAD?: 'worker' | 'main' | undefined; WHATSAPP_TRANSPORT?: string; DATABASE_URL?: string | undefined }) =>
  (env.PIPELINE_THREAD ?? (env.WHATSAPP_TRANSPORT === 'cloud' && env.DATABASE_URL ? 'worker' : 'main')) === 'worker';

const booleanFlag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

export const envSchema = z
  .object({
    // Unset means production: a new database gets the catalogue only, never the guide's sample people or rates.
    NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
        .optional(),
    ),
    DATA_DIR: z.string().trim().min(1).default('./data'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().trim().min(1).default('0.0.0.0'),
    // Behind a reverse proxy: take the client address from X-Forwarded-For (else it could be spoofed).
    TRUST_PROXY: booleanFlag.default(false),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    MARKET_TIMEZONE: z.string().trim().default('Asia/Kolkata').refine(isTimeZone, 'must be an IANA time zone such as Asia/Kolkata'),
    MIGRATE_ON_START: booleanFlag.default(true),
    DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    // SIGTERM: finish in-flight work within this long, else exit anyway (rolling restarts wait on it).
    // Least gap between two messages to one person (WhatsApp's pair limit); default 6000 on the Cloud API.
    OUTBOX_PAIR_GAP_MS: z.coerce.number().int().min(0).max(600_000).optional(),
    // A linked phone (whatsapp-web.js) sends like a person: gap + jitter between messages, typing, a daily cap.
    WEBJS_GAP_MS: z.coerce.number().int().min(0).max(600_000).default(4_000),
    WEBJS_JITTER_MS: z.coerce.number().int().min(0).max(600_000).default(3_000),
    WEBJS_TYPING_MS: z.coerce.number().int().min(0).max(60_000).default(1_500),
    WEBJS_DAILY_CAP: z.coerce.number().int().min(1).max(100_000).default(250),
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    WHATSAPP_TRANSPORT: z.enum(['cloud', 'webjs', 'console']).default('console'),
    WHATSAPP_VERIFY_TOKEN: optionalString,
    WHATSAPP_APP_SECRET: optionalString,
    WHATSAPP_ACCESS_TOKEN: optionalString,
    WHATSAPP_PHONE_NUMBER_ID: optionalString,
    WHATSAPP_API_BASE_URL: z.url().default('https://graph.facebook.com/v21.0'),
    CHROME_PATH: optionalString,
    BACKUP_DIR: optionalString,
    // A second copy of each backup: a folder on another disk or a mounted share, and/or a command given the file.
    BACKUP_COPY_DIR: optionalString,
    BACKUP_COPY_COMMAND: optionalString,
    // db:migrate and migrate-on-start in production take a verified backup first unless this is false.
    MIGRATE_BACKUP: booleanFlag.default(true),
    // A migration waiting longer than this for a lock fails (and rolls back) instead of queueing the service.
    MIGRATE_LOCK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
    // The scheduled jobs (settlement, backup, rate card …). Unset: on, except under NODE_ENV=test.
    JOBS_ENABLED: booleanFlag.optional(),
    JWT_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    // Where stored messages are processed and replies sent: a worker thread of its own (the HTTP thread only
    // verifies, stores and answers) or the HTTP thread. Unset: worker with the Cloud API on a PostgreSQL server.
    PIPELINE_THREAD: z.enum(['worker', 'main']).optional(),
    // How many nice steps below the HTTP thread the pipeline worker runs (Linux): acks get the cores first.
    PIPELINE_NICE: z.coerce.number().int().min(0).max(19).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.PIPELINE_THREAD === 'worker' && (env.WHATSAPP_TRANSPORT !== 'cloud' || !env.DATABASE_URL))
      ctx.addIssue({
        code: 'custom',
        path: ['PIPELINE_THREAD'],
        message:
          'can be worker only with WHATSAPP_TRANSPORT=cloud and DATABASE_URL: a whatsapp-web.js session, the console and the embedded database live on the main thread',
      });
    if (env.PIPELINE_NICE !== undefined && !pipelineOnWorker(env))
      ctx.addIssue({ code: 'custom', path: ['PIPELINE_NICE'], message: 'applies to the pipeline worker thread only (PIPELINE_THREAD=worker)' });
    if (env.WHATSAPP_TRANSPORT !== 'cloud') return;
    for (const key of ['WHATSAPP_VERIFY_TOKEN', 'WHATSAPP_APP_SECRET', 'WHATSAPP_ACCESS_TOKEN', 'WHATSAPP_PHONE_NUMBER_ID'] as const) {
      if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when WHATSAPP_TRANSPORT=cloud' });
    }
  });

export type Env = z.infer<typeof envSchema>;

export interface Config {
  nodeEnv: Env['NODE_ENV'];
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  trustProxy: boolean;
  logLevel: Env['LOG_LEVEL'];
  marketTimeZone: string;
  migrateOnStart: boolean;
  dbPoolSize: number;
  shutdownGraceMs: number;
  /** Least time between two messages to one person. */
  outboxPairGapMs: number;
  webjsPacing: { gapMs: number; jitterMs: number; typingMs: number; dailyCap: number };
  whatsapp: {
    transport: Env['WHATSAPP_TRANSPORT'];
    verifyToken: string | undefined;
    appSecret: string | undefined;
    accessToken: string | undefined;
    phoneNumberId: string | undefined;
    apiBaseUrl: string;
    chromePath: string | undefined;
  };
  backupDir: string;
  backupCopyDir: string | undefined;
  backupCopyCommand: string | undefined;
  migrateBackup: boolean;
  migrateLockTimeoutMs: number;
  jobsEnabled: boolean;
  jwtSecret: string | undefined;
  /** 'worker': inbox pipeline, outbox and jobs on a worker thread; 'main': all on the HTTP thread. */
  pipelineThread: 'worker' | 'main';
  /** Nice steps the pipeline worker thread runs below the HTTP thread (0 on the main thread). */
  pipelineNice: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Loads ./.env (if there is one) into process.env; variables already set win. */
export function loadDotEnv(file = '.env'): boolean {
  try {
    process.loadEnvFile(file);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return false;
    throw err;
  }
}

/** Parses an environment (process.env by default). Throws ConfigError naming each bad variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0] ?? 'environment')} ${i.message}`);
    throw new ConfigError(problems);
  }
  const env = parsed.data;
  const dataDir = path.resolve(env.DATA_DIR);
  return {
    nodeEnv: env.NODE_ENV,
    databaseUrl: env.DATABASE_URL,
    dataDir,
    port: env.PORT,
    host: env.HOST,
    trustProxy: env.TRUST_PROXY,
    logLevel: env.LOG_LEVEL,
    marketTimeZone: env.MARKET_TIMEZONE,
    migrateOnStart: env.MIGRATE_ON_START,
    dbPoolSize: env.DB_POOL_SIZE,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    webjsPacing: { gapMs: env.WEBJS_GAP_MS, jitterMs: env.WEBJS_JITTER_MS, typingMs: env.WEBJS_TYPING_MS, dailyCap: env.WEBJS_DAILY_CAP },
    outboxPairGapMs: env.OUTBOX_PAIR_GAP_MS ?? (env.WHATSAPP_TRANSPORT === 'cloud' ? 6_000 : 0),
    whatsapp: {
      transport: env.WHATSAPP_TRANSPORT,
      verifyToken: env.WHATSAPP_VERIFY_TOKEN,
      appSecret: env.WHATSAPP_APP_SECRET,
      accessToken: env.WHATSAPP_ACCESS_TOKEN,
      phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID,
      apiBaseUrl: env.WHATSAPP_API_BASE_URL.replace(/\/+$/, ''),
      chromePath: env.CHROME_PATH,
    },
    backupDir: env.BACKUP_DIR ? path.resolve(env.BACKUP_DIR) : path.join(dataDir, 'backups'),
    backupCopyDir: env.BACKUP_COPY_DIR ? path.resolve(env.BACKUP_COPY_DIR) : undefined,
    backupCopyCommand: env.BACKUP_COPY_COMMAND,
    migrateBackup: env.MIGRATE_BACKUP,
    migrateLockTimeoutMs: env.MIGRATE_LOCK_TIMEOUT_SECONDS * 1000,
    jobsEnabled: env.JOBS_ENABLED ?? env.NODE_ENV !== 'test',
    jwtSecret: env.JWT_SECRET,
    pipelineThread: pipelineOnWorker(env) ? 'worker' : 'main',
    pipelineNice: pipelineOnWorker(env) ? (env.PIPELINE_NICE ?? 5) : 0,
  };
}
