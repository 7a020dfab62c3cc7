// The one owner of numbered menus: remembering what a person was shown, and reading their numeric reply.
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';

/** A menu older than this no longer gives meaning to a bare number (it is read as typed text again). */
export const MENU_TTL_MS = 24 * 60 * 60 * 1000;

/** A message that is only a menu number: `2`, ` 3 `, `#4`, `௨` is not accepted (Tamil digits are rare on phones). */
export function menuNumber(text: string | null): number | null {
  const m = text?.trim().match(/^#?(\d{1,2})\.?$/);
  return m ? Number(m[1]) : null;
}

/** Replaces the phone's menu with these commands (positions 1…n). */
export async function rememberMenu(em: EntityManager, phone: string, commands: string[]): Promise<void> {
  await sql`insert into chat_menus (phone, commands, sent_at) values (${phone}, ${JSON.stringify(commands)}::jsonb, now())
    on conflict (phone) do update set commands = excluded.commands, sent_at = excluded.sent_at`.execute(em.getKysely());
}

export type MenuPick = { kind: 'command'; command: string } | { kind: 'out_of_range'; size: number } | { kind: 'no_menu' };

/** What the number `n` means for this phone now: the command, a number past the menu's end, or no menu. */
export async function pickFromMenu(em: EntityManager, phone: string, n: number): Promise<MenuPick> {
  // The database's clock, like the send time it is compared with (a message's own time may be the market clock).
  const rows = await em.execute<{ commands: string[] }[]>(
    `select commands from chat_menus where phone = ? and sent_at > now() - (? * interval '1 millisecond')`,
    [phone, MENU_TTL_MS],
  );
  const row = rows[0];
  if (!row) return { kind: 'no_menu' };
  const command = row.commands[n - 1];
  return command !== undefined && n >= 1 ? { kind: 'command', command } : { kind: 'out_of_range', size: row.commands.length };
}
