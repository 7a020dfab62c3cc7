// Point-in-time recovery end to end on a throwaway cluster of its own (initdb on a spare port and folder; the
// shared server's settings are never touched): writes, a mark, a bad write, recovery to the mark.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../support/database.js';
import { openDatabase } from '../../src/db/orm.js';
import { migrateUp } from '../../src/db/schema.js';
import { seedReference } from '../../seeds/ReferenceSeeder.js';
import {
  applyPitrSettings,
  asPostgres,
  givePostgres,
  pitrStatus,
  recoverToTime,
  serverBin,
  sparePort,
  stopCluster,
  takeBaseBackup,
  type RecoveredCluster,
} from '../../src/ops/pitr.js';
import { expectedForeignKeys, ormSql, validateLedger } from '../../src/ops/validation/validate.js';
import { buildLedger } from './ledger-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

// Needs the PostgreSQL server programs (initdb, pg_ctl): it runs with the server tests, as CI does.
describe.runIf(Boolean(process.env.DATABASE_URL))('point-in-time recovery (throwaway cluster)', () => {
  let tmp: string;
  let data: string;
  let pgCtl: string;
  let url: string;
  let recovered: RecoveredCluster | undefined;
  const backupDir = () => path.join(tmp, 'backups');

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-pitr-'));
    fs.chmodSync(tmp, 0o755);
    data = path.join(tmp, 'cluster');
    await givePostgres(tmp);
    const major = (await query(process.env.DATABASE_URL!, `select current_setting('server_version_num') as v`))[0]!.v as string;
    const version = String(Math.floor(Number(major) / 10000));
    pgCtl = serverBin(version, 'pg_ctl');
    await asPostgres(serverBin(version, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    const port = await sparePort();
    fs.appendFileSync(
      path.join(data, 'postgresql.conf'),
      `\nport = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${tmp}'\nfsync = off\n`,
    );
    await asPostgres(pgCtl, ['-D', data, '-l', path.join(tmp, 'cluster.log'), '-w', 'start']);
    await query(`postgres://postgres@127.0.0.1:${port}/postgres`, 'create database malar');
    url = `postgres://postgres@127.0.0.1:${port}/malar`;
  }, 120_000);

  afterAll(async () => {
    if (recovered) await stopCluster(recovered.pgCtl, recovered.dir).catch(() => {});
    if (data && fs.existsSync(path.join(data, 'postmaster.pid'))) await stopCluster(pgCtl, data).catch(() => {});
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('setup, base backup, a bad write, and recovery to the minute before it', async () => {
    const first = await pitrStatus(url, backupDir());
    expect(first.settings.find((s) => s.name === 'archive_mode')).toMatchObject({ current: 'off', ok: false });
    await applyPitrSettings(url, first, backupDir());
    await asPostgres(pgCtl, ['-D', data, '-l', path.join(tmp, 'cluster.log'), '-w', 'restart']);
    expect((await pitrStatus(url, backupDir())).statements).toEqual([]);

    const config = testConfig();
    const db = await openDatabase(config, { url });
    try {
      await migrateUp(db.orm);
      await seedReference(db.orm, config);
      await buildLedger(ormSql(db.orm));
    } finally {
      await db.close();
    }
    const base = await takeBaseBackup(url, backupDir());
    while (Date.now() <= base.finishedAt.getTime() + 200) await sleep(200);

    // After the base backup: only the WAL archive has this.
    await query(url, `update farmers set village = 'Madurai' where farmer_code = 'FAR001'`);
    const mark = (await query(url, 'select now() as t'))[0]!.t as Date;
    await query(url, `update farmers set name = 'x'`);
    const f = String((await query(url, 'select pg_walfile_name(pg_switch_wal()) as f'))[0]!.f);
    for (let i = 0; i < 300; i++) {
      const [row] = await query(url, 'select last_archived_wal as w from pg_stat_archiver');
      if (row?.w && String(row.w) >= f) break;
      await sleep(200);
    }
    expect(fs.readdirSync(path.join(backupDir(), 'wal'))).toContain(f);

    recovered = await recoverToTime({ backupDir: backupDir(), liveUrl: url, target: mark, dir: path.join(tmp, 'recovered') });
    expect(recovered.base.dir).toBe(base.dir);
    expect(await query(recovered.url, `select farmer_code, name, village from farmers order by farmer_code`)).toEqual([
      { farmer_code: 'FAR001', name: 'Raj Kumar', village: 'Madurai' },
      { farmer_code: 'FAR002', name: 'Kumar Raja', village: expect.anything() },
      { farmer_code: 'FAR003', name: 'Muthu Pandi', village: expect.anything() },
    ]);
    // The live cluster still has the bad write; the recovered one is writable and valid.
    expect((await query(url, `select distinct name from farmers`)).map((r) => r.name)).toEqual(['x']);
    await query(recovered.url, `update farmers set village = village`);
    const rdb = await openDatabase(config, { url: recovered.url });
    try {
      expect((await validateLedger(ormSql(rdb.orm), expectedForeignKeys(rdb.orm))).ok).toBe(true);
    } finally {
      await rdb.close();
    }
  }, 240_000);
});
