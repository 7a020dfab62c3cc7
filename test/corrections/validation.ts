// What the error checks of db:validate find, check by check: {} when the ledger is consistent.
import type { Database } from '../../src/db/orm.js';
import { ledgerChecks } from '../../src/ops/validation/checks.js';
import { run } from '../settlements/fixture.js';

export async function validationErrors(db: Database): Promise<Record<string, unknown[]>> {
  const found: Record<string, unknown[]> = {};
  for (const c of ledgerChecks([]).filter((c) => c.severity === 'error' && c.id !== 'foreign_keys_present')) {
    const rows = await run(db, c.sql);
    if (rows.length) found[c.id] = rows;
  }
  return found;
}
