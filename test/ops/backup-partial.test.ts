// Partial backups (schema only, data only, chosen tables), the off-site copies, and the age of the newest good backup.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { AppError } from '../../src/errors.js';
import { backupDatabase } from '../../src/ops/backup/backup.js';
import { backupWithCopies, newestVerifiedBackup } from '../../src/ops/backup/copies.js';
import { sha256File, writeChecksum } from '../../src/ops/backup/files.js';
import { ormSql } from '../../src/ops/validation/validate.js';
import { buildLedger } from './ledger-fixture.js';
import { errorOf } from '../support/errors.js';

const dataOf = (file: string) =>
  execFileSync('pg_restore', ['--list', file], { encoding: 'utf8' })
    .split('\n')
    .map((l) => / TABLE DATA \S+ (\S+) /.exec(l)?.[1])
    .filter(Boolean)
    .sort();

describe('partial backups and copies', () => {
  let t: TestDatabase;
  let dir: string;
  const at = new Date('2026-12-02T02:00:00Z');

  beforeAll(async () => {
    t = await createTestDatabase();
    await buildLedger(ormSql(t.db.orm));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-partial-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it.runIf(Boolean(process.env.DATABASE_URL))('writes schema-only, data-only and table backups named for what they hold', async () => {
    const schema = await backupDatabase(t.db, dir, new Date(at.getTime()), { kind: 'schema' });
    expect(path.basename(schema.file)).toBe('malar-20261202T020000Z-schema-only.dump');
    expect(dataOf(schema.file)).toEqual([]);
    expect(schema.verified).toContain('no data');

    const data = await backupDatabase(t.db, dir, new Date(at.getTime() + 1000), { kind: 'data' });
    expect(path.basename(data.file)).toBe('malar-20261202T020001Z-data-only.dump');
    expect(dataOf(data.file)).toContain('farmers');
    expect(execFileSync('pg_restore', ['--list', data.file], { encoding: 'utf8' })).not.toMatch(/ TABLE public farmers /);

    const tables = await backupDatabase(t.db, dir, new Date(at.getTime() + 2000), { kind: 'tables', tables: ['farmers', 'users'] });
    expect(path.basename(tables.file)).toBe('malar-20261202T020002Z-table-farmers+users.dump');
    expect(dataOf(tables.file)).toEqual(['farmers', 'users']);
    expect(fs.readFileSync(`${tables.file}.sha256`, 'utf8')).toBe(
      `${await sha256File(tables.file)}  malar-20261202T020002Z-table-farmers+users.dump\n`,
    );

    expect((await errorOf(backupDatabase(t.db, dir, new Date(at.getTime() + 3000), { kind: 'tables', tables: ['farmer'] }))).code).toBe(
      'BACKUP_UNKNOWN_TABLE',
    );
  });

  it.runIf(!process.env.DATABASE_URL)('the embedded database refuses a partial backup and says what to do instead', async () => {
    const err = await errorOf(backupDatabase(t.db, dir, at, { kind: 'schema' }));
    expect(err.code).toBe('BACKUP_PARTIAL_EMBEDDED');
    expect(err.message).toContain('db:restore -- FILE --table NAME');
    expect(fs.readdirSync(dir).filter((f) => f.includes('schema'))).toEqual([]);
  });

  it('copies a verified backup to BACKUP_COPY_DIR and runs BACKUP_COPY_COMMAND, reporting each outcome', async () => {
    const copyDir = path.join(dir, 'second-disk');
    const uploaded = path.join(dir, 'uploaded');
    fs.mkdirSync(uploaded);
    const good = await backupWithCopies(
      t.db,
      {
        backupDir: path.join(dir, 'main'),
        backupCopyDir: copyDir,
        backupCopyCommand: `cp "$1" '${uploaded}/' && cp "$BACKUP_FILE.sha256" '${uploaded}/'`,
      },
      at,
    );
    const name = path.basename(good.backup.file);
    expect(good.ok).toBe(true);
    expect(good.copy).toEqual({ ok: true, path: path.join(copyDir, name) });
    expect(good.command).toMatchObject({ ok: true, exitCode: 0 });
    expect(await sha256File(path.join(copyDir, name))).toBe(good.backup.sha256);
    expect(fs.readFileSync(path.join(uploaded, `${name}.sha256`), 'utf8')).toContain(good.backup.sha256);

    // A copy folder that cannot exist (under a file) and a command that fails: the backup stays, the failures say why.
    const blocker = path.join(dir, 'a-file');
    fs.writeFileSync(blocker, '');
    const bad = await backupWithCopies(
      t.db,
      { backupDir: path.join(dir, 'main'), backupCopyDir: path.join(blocker, 'sub'), backupCopyCommand: 'echo "remote: quota exceeded" >&2; exit 3' },
      new Date(at.getTime() + 60_000),
    );
    expect(bad.ok).toBe(false);
    expect(fs.existsSync(bad.backup.file)).toBe(true);
    expect(bad.copy).toMatchObject({ ok: false, error: expect.stringContaining('ENOTDIR') });
    expect(bad.command).toEqual({ ok: false, exitCode: 3, stderr: 'remote: quota exceeded', error: 'exited with 3' });

    const none = await backupWithCopies(
      t.db,
      { backupDir: path.join(dir, 'main'), backupCopyDir: undefined, backupCopyCommand: undefined },
      new Date(at.getTime() + 120_000),
    );
    expect(none).toMatchObject({ ok: true, copy: null, command: null });
  });

  it('finds the newest full backup that still matches its checksum, and its age', async () => {
    const d = path.join(dir, 'ages');
    fs.mkdirSync(d);
    const put = (name: string, body: string, checksum?: string) => {
      fs.writeFileSync(path.join(d, name), body);
      if (checksum !== undefined) fs.writeFileSync(path.join(d, `${name}.sha256`), `${checksum}  ${name}\n`);
    };
    put('malar-20261130T020000Z.dump', 'older');
    writeChecksum(path.join(d, 'malar-20261130T020000Z.dump'), await sha256File(path.join(d, 'malar-20261130T020000Z.dump')));
    put('malar-20261201T020000Z.dump', 'good');
    writeChecksum(path.join(d, 'malar-20261201T020000Z.dump'), await sha256File(path.join(d, 'malar-20261201T020000Z.dump')));
    put('malar-20261202T020000Z.dump', 'damaged later', '0'.repeat(64));
    put('malar-20261202T030000Z.dump', 'never verified');
    put('malar-20261202T040000Z-table-farmers.dump', 'partial', '');
    const newest = await newestVerifiedBackup(d, new Date('2026-12-02T10:00:00Z'));
    expect(newest).toEqual({ file: path.join(d, 'malar-20261201T020000Z.dump'), takenAt: new Date('2026-12-01T02:00:00Z'), ageHours: 32 });
    expect(await newestVerifiedBackup(path.join(dir, 'no-such-dir'))).toBeNull();
  });
});
