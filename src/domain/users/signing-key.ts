// The key that signs admin API tokens. JWT_SECRET wins when set; otherwise one random key is made on
// first use and kept in system_settings, so tokens survive restarts and every instance shares it.
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

/** Not in the settings catalog, so the settings API never lists or changes it. */
export const SIGNING_KEY_SETTING = 'jwt_secret';

export async function loadSigningKey(em: EntityManager, configured: string | undefined): Promise<{ key: string; generated: boolean }> {
  if (configured) return { key: configured, generated: false };
  const conn = em.getConnection();
  // ON CONFLICT: two instances starting together agree on whichever key landed first.
  const inserted = await conn.execute<{ key: string }[]>(
    `insert into system_settings (id, key, value, value_type, description, is_public)
     values (gen_random_uuid(), ?, ?, 'string', 'Signing key of admin API tokens (generated; never shown)', false)
     on conflict (key) do nothing returning key`,
    [SIGNING_KEY_SETTING, randomBytes(48).toString('base64url')],
  );
  const rows = await conn.execute<{ value: string }[]>('select value from system_settings where key = ?', [SIGNING_KEY_SETTING]);
  return { key: rows[0]!.value, generated: inserted.length > 0 };
}
