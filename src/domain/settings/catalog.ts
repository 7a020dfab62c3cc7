// Every setting the ledger reads, with its type and default. The seeder writes these; admins change values.
import { AppError } from '../../errors.js';
import type { SettingValueType } from './system-setting.entity.js';

export interface SettingDefinition {
  key: string;
  value: string;
  valueType: SettingValueType;
  description: string;
  isPublic: boolean;
}

export const SETTINGS_CATALOG: readonly SettingDefinition[] = [
  // The guide's five.
  { key: 'commission_rate', value: '5.0', valueType: 'number', description: 'Default commission rate percentage', isPublic: false },
  { key: 'market_open_time', value: '04:00', valueType: 'string', description: 'Market opening time (market time zone)', isPublic: true },
  { key: 'market_close_time', value: '18:00', valueType: 'string', description: 'Market closing time (market time zone)', isPublic: true },
  { key: 'settlement_frequency', value: 'weekly', valueType: 'string', description: 'daily, weekly, fortnightly or monthly', isPublic: false },
  { key: 'whatsapp_enabled', value: 'true', valueType: 'boolean', description: 'Send and receive WhatsApp messages', isPublic: false },
  // What the ledger rules need.
  {
    key: 'market_name',
    value: 'Malar Flower Market',
    valueType: 'string',
    description: 'Market name in English (statements, replies)',
    isPublic: true,
  },
  { key: 'market_name_ta', value: 'மலர் பூ சந்தை', valueType: 'string', description: 'Market name in Tamil', isPublic: true },
  { key: 'market_address', value: 'Flower Market, Madurai', valueType: 'string', description: 'Market address in English', isPublic: true },
  { key: 'market_address_ta', value: 'பூ சந்தை, மதுரை', valueType: 'string', description: 'Market address in Tamil', isPublic: true },
  { key: 'fee_per_entry', value: '0.00', valueType: 'number', description: 'Fixed fee in rupees charged on every entry', isPublic: false },
  { key: 'fee_per_unit', value: '0.00', valueType: 'number', description: 'Fee in rupees per kg or piece (e.g. handling)', isPublic: false },
  {
    key: 'buyer_charge_per_sale',
    value: '0.00',
    valueType: 'number',
    description: 'Fixed charge in rupees added to every sale to a buyer',
    isPublic: false,
  },
  {
    key: 'buyer_charge_per_unit',
    value: '0.00',
    valueType: 'number',
    description: 'Charge in rupees per kg or piece sold (e.g. handling)',
    isPublic: false,
  },
  {
    key: 'buyer_receipts',
    value: 'true',
    valueType: 'boolean',
    description: 'Send the buyer a receipt for each sale and collection',
    isPublic: false,
  },
  { key: 'edit_window_minutes', value: '15', valueType: 'number', description: 'Minutes in which staff may void their own entry', isPublic: false },
  {
    key: 'advance_auto_approve_limit',
    value: '2000',
    valueType: 'number',
    description: 'Advances by staff up to this many rupees are approved at once',
    isPublic: false,
  },
  // The fat-finger guard: a line beyond these waits for the sender's confirmation.
  { key: 'max_lot_kg', value: '500', valueType: 'number', description: 'Largest plausible lot in kg (a flower may set its own)', isPublic: false },
  {
    key: 'max_lot_pieces',
    value: '10000',
    valueType: 'number',
    description: 'Largest plausible lot in pieces (a flower may set its own)',
    isPublic: false,
  },
  {
    key: 'advance_confirm_limit',
    value: '10000',
    valueType: 'number',
    description: 'Advances above this many rupees wait for the sender to confirm',
    isPublic: false,
  },
  {
    key: 'rate_confirm_factor',
    value: '3',
    valueType: 'number',
    description: 'A given rate more than this many times, or less than this fraction of, the rate in force waits for confirmation',
    isPublic: false,
  },
  { key: 'confirmation_minutes', value: '10', valueType: 'number', description: 'Minutes a held line waits for its confirmation', isPublic: false },
  { key: 'farmer_receipts', value: 'true', valueType: 'boolean', description: 'Send the farmer a receipt for each entry', isPublic: false },
  { key: 'settlement_day', value: 'monday', valueType: 'string', description: 'Day of the week the weekly settlement runs', isPublic: false },
  { key: 'settlement_hour', value: '6', valueType: 'number', description: 'Hour (market time) the settlement runs', isPublic: false },
  { key: 'rate_card_broadcast', value: 'false', valueType: 'boolean', description: "Send farmers the day's rates at market open", isPublic: false },
  {
    key: 'whatsapp_template_name',
    value: 'settlement_statement',
    valueType: 'string',
    description: 'Approved template for messages outside the 24-hour window',
    isPublic: false,
  },
  {
    key: 'whatsapp_text_template_name',
    value: 'ledger_update',
    valueType: 'string',
    description:
      'Approved template (one body parameter) for texts outside the 24-hour window; whatsapp_template_name (document header) is used for statements',
    isPublic: false,
  },
  { key: 'whatsapp_template_language', value: 'ta', valueType: 'string', description: 'Language code of that template', isPublic: false },
  { key: 'outbox_rate_per_second', value: '80', valueType: 'number', description: 'Most messages the outbox sends per second', isPublic: false },
  { key: 'backup_enabled', value: 'true', valueType: 'boolean', description: 'Run the daily backup at 02:00 market time', isPublic: false },
  { key: 'backup_retention_days', value: '30', valueType: 'number', description: 'Days of backups to keep', isPublic: false },
  { key: 'notification_retention_days', value: '30', valueType: 'number', description: 'Days of sent notifications to keep', isPublic: false },
  {
    key: 'audit_noise_retention_days',
    value: '90',
    valueType: 'number',
    description:
      'Days to keep audit noise (refused webhooks, unknown senders, failed or throttled sign-ins); money and access rows are never deleted',
    isPublic: false,
  },
  {
    key: 'market_timezone',
    value: 'Asia/Kolkata',
    valueType: 'string',
    description: 'Market time zone recorded by npm run setup; MARKET_TIMEZONE must agree (/ready checks)',
    isPublic: true,
  },
];

/** A setting's default value, from the catalog. */
export function settingDefault(key: string): string {
  const def = SETTINGS_CATALOG.find((s) => s.key === key);
  if (!def) throw new AppError('UNKNOWN_SETTING', `No setting named ${key}`, 404);
  return def.value;
}
