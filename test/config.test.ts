import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('has working defaults for a first start', () => {
    const c = loadConfig({});
    expect(c.nodeEnv).toBe('production');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.port).toBe(3000);
    expect(c.marketTimeZone).toBe('Asia/Kolkata');
    expect(c.whatsapp.transport).toBe('console');
    expect(c.whatsapp.apiBaseUrl).toBe('https://graph.facebook.com/v21.0');
    expect(c.backupDir).toBe(`${c.dataDir}/backups`);
    expect(c.migrateOnStart).toBe(true);
  });

  it('reads the backup copy and safe-migration settings', () => {
    const d = loadConfig({});
    expect([d.backupCopyDir, d.backupCopyCommand, d.migrateBackup, d.migrateLockTimeoutMs]).toEqual([undefined, undefined, true, 10_000]);
    const c = loadConfig({
      BACKUP_COPY_DIR: '/mnt/second',
      BACKUP_COPY_COMMAND: 'rclone copy "$1" r:',
      MIGRATE_BACKUP: 'false',
      MIGRATE_LOCK_TIMEOUT_SECONDS: '3',
    });
    expect([c.backupCopyDir, c.backupCopyCommand, c.migrateBackup, c.migrateLockTimeoutMs]).toEqual([
      '/mnt/second',
      'rclone copy "$1" r:',
      false,
      3000,
    ]);
    expect(problems({ MIGRATE_LOCK_TIMEOUT_SECONDS: '0' })).toEqual([expect.stringMatching(/^MIGRATE_LOCK_TIMEOUT_SECONDS /)]);
  });

  it('names each bad variable in one line', () => {
    expect(problems({ PORT: 'eighty' })).toEqual([expect.stringMatching(/^PORT /)]);
    expect(problems({ PORT: '70000' })).toEqual([expect.stringMatching(/^PORT /)]);
    expect(problems({ MARKET_TIMEZONE: 'Asia/Chennai' })).toEqual(['MARKET_TIMEZONE must be an IANA time zone such as Asia/Kolkata']);
    expect(problems({ DATABASE_URL: 'mysql://x' })).toEqual(['DATABASE_URL must be a postgres:// or postgresql:// URL']);
    expect(problems({ WHATSAPP_TRANSPORT: 'sms' })).toEqual([expect.stringMatching(/^WHATSAPP_TRANSPORT /)]);
    expect(problems({ MIGRATE_ON_START: 'maybe' })).toEqual([expect.stringMatching(/^MIGRATE_ON_START /)]);
    expect(problems({ JWT_SECRET: 'short' })).toEqual(['JWT_SECRET must be at least 32 characters']);
    expect(problems({ PORT: 'x', LOG_LEVEL: 'loud' })).toHaveLength(2);
  });

  it('requires every Cloud API variable when the transport is cloud', () => {
    expect(problems({ WHATSAPP_TRANSPORT: 'cloud', WHATSAPP_VERIFY_TOKEN: 'v' })).toEqual([
      'WHATSAPP_APP_SECRET is required when WHATSAPP_TRANSPORT=cloud',
      'WHATSAPP_ACCESS_TOKEN is required when WHATSAPP_TRANSPORT=cloud',
      'WHATSAPP_PHONE_NUMBER_ID is required when WHATSAPP_TRANSPORT=cloud',
    ]);
    const c = loadConfig({
      WHATSAPP_TRANSPORT: 'cloud',
      WHATSAPP_VERIFY_TOKEN: 'v',
      WHATSAPP_APP_SECRET: 's',
      WHATSAPP_ACCESS_TOKEN: 't',
      WHATSAPP_PHONE_NUMBER_ID: '123',
      WHATSAPP_API_BASE_URL: 'http://127.0.0.1:9999/v21.0/',
    });
    expect(c.whatsapp.apiBaseUrl).toBe('http://127.0.0.1:9999/v21.0');
  });

  it('runs the pipeline on a worker thread for the Cloud API on a server, and refuses it where it cannot run', () => {
    const cloud = {
      WHATSAPP_TRANSPORT: 'cloud',
      WHATSAPP_VERIFY_TOKEN: 'v',
      WHATSAPP_APP_SECRET: 's',
      WHATSAPP_ACCESS_TOKEN: 't',
      WHATSAPP_PHONE_NUMBER_ID: '123',
    };
    const server = { DATABASE_URL: 'postgres://localhost/malar' };
    expect(loadConfig({ ...cloud, ...server }).pipelineThread).toBe('worker');
    expect(loadConfig({ ...cloud, ...server, PIPELINE_THREAD: 'main' }).pipelineThread).toBe('main');
    // The embedded database, the console and whatsapp-web.js live on the main thread: main by default …
    expect(loadConfig(cloud).pipelineThread).toBe('main');
    expect(loadConfig(server).pipelineThread).toBe('main');
    expect(loadConfig({ ...server, WHATSAPP_TRANSPORT: 'webjs' }).pipelineThread).toBe('main');
    // … and asking for the worker there is an error, not a setting quietly left out.
    const refusal = [expect.stringMatching(/^PIPELINE_THREAD can be worker only with WHATSAPP_TRANSPORT=cloud and DATABASE_URL/)];
    expect(problems({ ...cloud, PIPELINE_THREAD: 'worker' })).toEqual(refusal);
    expect(problems({ ...server, WHATSAPP_TRANSPORT: 'webjs', PIPELINE_THREAD: 'worker' })).toEqual(refusal);
    expect(problems({ ...cloud, ...server, PIPELINE_THREAD: 'both' })).toEqual([expect.stringMatching(/^PIPELINE_THREAD /)]);
    // The worker runs 5 nice steps below the HTTP thread unless told otherwise; on the main thread there is none to lower.
    expect(loadConfig({ ...cloud, ...server }).pipelineNice).toBe(5);
    expect(loadConfig({ ...cloud, ...server, PIPELINE_NICE: '0' }).pipelineNice).toBe(0);
    expect(loadConfig({ ...cloud, ...server, PIPELINE_NICE: '12' }).pipelineNice).toBe(12);
    expect(loadConfig({ ...cloud, ...server, PIPELINE_THREAD: 'main' }).pipelineNice).toBe(0);
    expect(problems({ ...cloud, ...server, PIPELINE_THREAD: 'main', PIPELINE_NICE: '5' })).toEqual([
      'PIPELINE_NICE applies to the pipeline worker thread only (PIPELINE_THREAD=worker)',
    ]);
    expect(problems({ ...server, PIPELINE_NICE: '5' })).toEqual([expect.stringMatching(/^PIPELINE_NICE applies/)]);
    expect(problems({ ...cloud, ...server, PIPELINE_NICE: '20' })).toEqual([expect.stringMatching(/^PIPELINE_NICE /)]);
    expect(problems({ ...cloud, ...server, PIPELINE_NICE: 'low' })).toEqual([expect.stringMatching(/^PIPELINE_NICE /)]);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', CHROME_PATH: ' ' }).databaseUrl).toBeUndefined();
  });
});
