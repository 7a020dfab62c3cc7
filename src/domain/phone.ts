// Phones are stored and compared in E.164. Indian numbers arrive in many shapes:
// '9876543211', '+91 98765 43211', '919876543211', '09876543211', '+91-98765-43211'.

/** E.164 ('+919876543211') or null when the input is not a plausible phone number. */
export function normalizePhone(input: string, defaultCountryCode = '91'): string | null {
  const trimmed = input.trim();
  const hasPlus = trimmed.startsWith('+');
  let digits = trimmed.replace(/[\s\-().]/g, '').replace(/^\+/, '');
  if (!/^\d+$/.test(digits)) return null;
  if (!hasPlus) {
    if (digits.startsWith('00')) digits = digits.slice(2);
    else if (digits.length === 11 && digits.startsWith('0')) digits = defaultCountryCode + digits.slice(1);
    else if (digits.length === 10) digits = defaultCountryCode + digits;
  }
  if (digits.length < 8 || digits.length > 15 || digits.startsWith('0')) return null;
  return `+${digits}`;
}
