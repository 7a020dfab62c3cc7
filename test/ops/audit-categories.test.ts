// Every action the code writes to security_logs has a category on purpose: a new action is money (kept for
// ever) unless someone names it noise, and noise is only what strangers and broken clients cause.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCESS_ACTIONS, auditCategory, NOISE_ACTIONS } from '../../src/domain/audit/categories.js';

function actionsInSource(dir: string): Set<string> {
  const found = new Set<string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const text = fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
    for (const m of text.matchAll(/action: '([a-z_.]+)'/g)) found.add(m[1]!);
    for (const m of text.matchAll(/audit\(tx, '([a-z_.]+)'/g)) found.add(m[1]!);
    for (const m of text.matchAll(/insert into security_logs \([^)]*\)\s*select '([a-z_.]+)'/g)) found.add(m[1]!);
    // Set-based writers hand securityLogInsert() a select whose first column is the action.
    for (const m of text.matchAll(/sql`select '([a-z_.]+)'/g)) found.add(m[1]!);
  }
  return found;
}

describe('audit categories', () => {
  const written = actionsInSource(path.resolve(import.meta.dirname, '../../src'));

  it('find the actions the code writes (the scan itself works)', () => {
    for (const a of [
      'entry.create',
      'entry.void',
      'advance.approve',
      'settlement.created',
      'settlement.paid',
      'rate_set',
      'login',
      'webhook_signature_rejected',
    ]) {
      expect(written).toContain(a);
    }
  });

  it('put money and access rows out of reach of retention', () => {
    const money = [
      'entry.create',
      'entry.void',
      'advance.create',
      'advance.approve',
      'advance.reject',
      'settlement.created',
      'settlement.paid',
      'rate_set',
      'farmer_created',
      'farmer_updated',
      'farmer_deleted',
    ];
    for (const a of money) expect(auditCategory(a)).toBe('money');
    for (const a of ['login', 'logout', 'user_created', 'user_updated', 'password_changed', 'password_reset', 'setting_changed'])
      expect(auditCategory(a)).toBe('access');
    expect(auditCategory('some.future_action')).toBe('money');
  });

  it('name as noise only actions the code really writes, none about money', () => {
    for (const a of NOISE_ACTIONS) expect(written, a).toContain(a);
    for (const a of ACCESS_ACTIONS) expect(written, a).toContain(a);
    const noise = [...written].filter((a) => auditCategory(a) === 'noise').sort();
    expect(noise).toEqual([...NOISE_ACTIONS].sort());
  });
});
