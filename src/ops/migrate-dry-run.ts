// db:migrate --dry-run: the SQL the pending migrations would run, printed and not run (the guide's
// `alembic upgrade head --sql`). Our migrations only add SQL (data migrations too, as DO blocks), so this is exact.
import { pathToFileURL } from 'node:url';
import { Migration } from '@mikro-orm/migrations';
import type { MikroORM } from '@mikro-orm/postgresql';

type MigrationClass = new (...args: ConstructorParameters<typeof Migration>) => Migration;

export async function pendingMigrationSql(orm: MikroORM): Promise<{ name: string; sql: string[] }[]> {
  const pending = await orm.migrator.getPending();
  const out: { name: string; sql: string[] }[] = [];
  for (const m of pending) {
    if (!m.path) throw new Error(`migration ${m.name} has no file path`);
    const module = (await import(pathToFileURL(m.path).href)) as Record<string, unknown>;
    const Class = Object.values(module).find((v): v is MigrationClass => typeof v === 'function' && v.prototype instanceof Migration);
    if (!Class) throw new Error(`${m.path} exports no migration class`);
    const migration = new Class(orm.em.getDriver(), orm.config);
    await migration.up();
    const sql = migration.getQueries().map((q) => (typeof q === 'string' ? q : String((q as { sql?: string }).sql ?? q)));
    out.push({ name: m.name, sql });
  }
  return out;
}

export function formatDryRun(plan: { name: string; sql: string[] }[]): string {
  if (!plan.length) return '-- Nothing to migrate: the schema is current.';
  const lines = ['-- db:migrate --dry-run: nothing below has been run. db:migrate runs it all in one transaction.', 'begin;'];
  for (const m of plan) {
    lines.push('', `-- ${m.name}`, ...m.sql.map((s) => (s.trimEnd().endsWith(';') ? s : `${s};`)));
    lines.push(`insert into "mikro_orm_migrations" ("name", "executed_at") values ('${m.name}', now());`);
  }
  lines.push('', 'commit;');
  return lines.join('\n');
}
