// The migration plan names the tables a migration locks, and nothing that only reads like a table name.
import { describe, expect, it } from 'vitest';
import { tablesTouched } from '../../src/ops/safe-migrate.js';

describe('tablesTouched', () => {
  it('names altered, updated and indexed tables', () => {
    const sql = [
      'alter table "farmers" add column "x" int;',
      `update "daily_entries" set "quantity" = 1 where false;`,
      'create index "sales_buyer_idx" on "sales" ("buyer_id");',
    ];
    expect(tablesTouched(sql).sort()).toEqual(['daily_entries', 'farmers', 'sales']);
  });

  it('does not take foreign-key actions or trigger clauses for tables', () => {
    const sql = [
      'alter table "sales" add constraint "sales_buyer_fk" foreign key ("buyer_id") references "buyers" ("id") on update cascade on delete restrict;',
      'alter table "x" add constraint "x_fk" foreign key ("y") references "y" ("id") on update no action;',
      'create trigger t before update on settlements for each row execute function f();',
    ];
    expect(tablesTouched(sql).sort()).toEqual(['sales', 'x']);
  });
});
