// Every security_logs action belongs to a category, and retention is decided per category:
// - money: entries, voids, advances and their approvals, settlements, payments, rates, farmers — never deleted;
// - access: sign-ins, sign-outs, accounts, passwords, settings, setup, refused commands — never deleted;
// - noise: what strangers and broken clients cause (refused or badly signed webhooks, unknown senders,
//   failed and throttled sign-ins) — deleted after `audit_noise_retention_days`.
// Noise is a closed list: an action not named here is kept, so a new action can never be thrown away by accident.

export const AUDIT_CATEGORIES = ['money', 'access', 'noise'] as const;
export type AuditCategory = (typeof AUDIT_CATEGORIES)[number];

/** Actions retention may delete. */
export const NOISE_ACTIONS = [
  'webhook_signature_rejected',
  'inbound_refused',
  'chat.unknown_sender',
  'chat.unidentified_sender',
  'login_failed',
  'login_throttled',
  'password_change_failed',
] as const;

/** Who changed what the ledger or its permissions rest on. */
export const ACCESS_ACTIONS = [
  'login',
  'login_refused',
  'logout',
  'user_created',
  'user_updated',
  'password_changed',
  'password_reset',
  'setting_changed',
  'chat.refused',
  // Whose WhatsApp number is whose (src/domain/identity/number-change.ts).
  'identity.number_changed',
  'identity.number_change_refused',
] as const;

const noise = new Set<string>(NOISE_ACTIONS);
const access = new Set<string>(ACCESS_ACTIONS);

/** Anything neither noise nor access is treated as money: kept for ever. */
export function auditCategory(action: string): AuditCategory {
  if (noise.has(action)) return 'noise';
  if (access.has(action)) return 'access';
  return 'money';
}

/** The retention setting of each category; null: never deleted. */
export const RETENTION_SETTING: Record<AuditCategory, string | null> = {
  money: null,
  access: null,
  noise: 'audit_noise_retention_days',
};
