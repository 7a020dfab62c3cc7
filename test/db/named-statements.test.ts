// Repeated statements prepared once per connection (server only: the embedded database is one shared session).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NamedStatementClient } from '../../src/db/named-statements.js';
import { openDatabase } from '../../src/db/orm.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const prepared = async (c: pg.Client) =>
  (await c.query<{ name: string; statement: string }>('select name, statement from pg_prepared_statements order by name')).rows;

describe.runIf(process.env.DATABASE_URL)('NamedStatementClient (server)', () => {
  let c: NamedStatementClient;
  beforeAll(async () => {
    c = new NamedStatementClient({ connectionString: t.db.url });
    await c.connect();
    await c.query('create table scratch_named (id int primary key, label text)');
    await c.query(`insert into scratch_named values (1, 'one'), (2, 'two')`);
  });
  afterAll(async () => {
    await c?.end();
  });

  it('sends a text unnamed the first time and prepares it on the second, with the same answers', async () => {
    const text = 'select label from scratch_named where id = $1';
    expect((await c.query(text, [1])).rows).toEqual([{ label: 'one' }]);
    expect(await prepared(c)).toEqual([]);
    expect((await c.query(text, [2])).rows).toEqual([{ label: 'two' }]);
    expect(await prepared(c)).toEqual([{ name: 'malar_0_0', statement: text }]);
    expect((await c.query(text, [1])).rows).toEqual([{ label: 'one' }]);
    expect(await prepared(c)).toHaveLength(1);
    // Queries without parameters (begin, commit, the ones above) are never named.
    expect(c.namedCount).toBe(1);
  });

  it('after a schema change under a prepared statement, fails once and prepares it afresh', async () => {
    const text = 'select * from scratch_named where id = $1';
    await c.query(text, [1]);
    await c.query(text, [1]);
    expect((await prepared(c)).map((p) => p.statement)).toContain(text);
    await c.query('alter table scratch_named add column village text');
    await expect(c.query(text, [1])).rejects.toMatchObject({ code: '0A000' });
    // A new generation of names: the first two sends after it are the unnamed one, then malar_1_0.
    expect((await c.query(text, [2])).rows).toEqual([{ id: 2, label: 'two', village: null }]);
    expect((await c.query(text, [1])).rows).toEqual([{ id: 1, label: 'one', village: null }]);
    expect((await prepared(c)).map((p) => p.name)).toContain('malar_1_0');
  });

  it('names at most 100 statements per connection; the rest still answer, unnamed', async () => {
    const fresh = new NamedStatementClient({ connectionString: t.db.url });
    await fresh.connect();
    try {
      for (let i = 0; i < 150; i++) {
        const text = `select $1::int + ${i} as n`;
        expect((await fresh.query(text, [1])).rows).toEqual([{ n: 1 + i }]);
        expect((await fresh.query(text, [2])).rows).toEqual([{ n: 2 + i }]);
      }
      expect(fresh.namedCount).toBe(100);
      expect(await prepared(fresh)).toHaveLength(100);
    } finally {
      await fresh.end();
    }
  });

  it("is the server database's client: the ORM's repeated queries are prepared", async () => {
    const db = await openDatabase({ ...t.config, dbPoolSize: 1 }, { url: t.db.url });
    try {
      const em = db.orm.em.fork();
      // Kysely sends its parameters; the ORM's own execute() inlines them into the text, which stays unnamed.
      const k = em.getKysely();
      for (let i = 0; i < 3; i++) await k.selectFrom('farmers').select('farmer_code').where('farmer_code', '=', 'FAR-NONE').execute();
      const rows = await em.execute<{ statement: string }[]>(`select statement from pg_prepared_statements where name like 'malar_%'`);
      expect(rows.map((r) => r.statement)).toEqual(['select "farmer_code" from "farmers" where "farmer_code" = $1']);
    } finally {
      await db.close();
    }
  });
});

describe.runIf(!process.env.DATABASE_URL)('the embedded database', () => {
  it('sends statements unnamed (its connections share one session)', async () => {
    const em = t.db.orm.em.fork();
    const k = em.getKysely();
    for (let i = 0; i < 3; i++) await k.selectFrom('farmers').select('farmer_code').where('farmer_code', '=', 'FAR-NONE').execute();
    const rows = await em.execute<{ n: number }[]>(`select count(*)::int as n from pg_prepared_statements where name like 'malar_%'`);
    expect(rows[0]!.n).toBe(0);
  });
});
