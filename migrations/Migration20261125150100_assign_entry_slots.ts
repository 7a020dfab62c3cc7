import { Migration } from '@mikro-orm/migrations';

// Data migration: entries without a time slot (imported rows) get the slot of their local entry time, by
// DESIGN.md's rule: the active slot whose start is the latest at or before that time, and before the first
// slot the first one. Migrations cannot read the service's configuration, so the market's zone comes from
// the system setting `market_timezone` when an operator has set it, else Asia/Kolkata (MARKET_TIMEZONE's default).
// Batches of 5,000 entries; the entries it fills are recorded in data_migration_undo for `down`.
const NAME = 'Migration20261125150100_assign_entry_slots';

export class Migration20261125150100_assign_entry_slots extends Migration {
  override name = NAME;

  override up(): void {
    this.addSql(`do $$
declare
  tz text := coalesce((select value from system_settings where key = 'market_timezone'), 'Asia/Kolkata');
  n int;
begin
  if not exists (select 1 from time_slots where is_active) then
    raise notice 'no active time slots: entries without a slot are left as they are';
    return;
  end if;
  loop
    with batch as (
      select id, (entry_time at time zone tz)::time as local_time
        from daily_entries where time_slot_id is null
       order by id limit 5000 for update
    ), assigned as (
      select b.id,
             coalesce(
               (select s.id from time_slots s where s.is_active and s.start_time <= b.local_time order by s.start_time desc limit 1),
               (select s.id from time_slots s where s.is_active order by s.start_time limit 1)
             ) as slot_id
        from batch b
    ), undo as (
      insert into data_migration_undo (migration, table_name, row_id, before)
      select '${NAME}', 'daily_entries', a.id, jsonb_build_object('time_slot_id', null) from assigned a
    )
    update daily_entries d set time_slot_id = a.slot_id, updated_at = now()
      from assigned a where d.id = a.id;
    get diagnostics n = row_count;
    exit when n = 0;
  end loop;
end $$;`);
  }

  override down(): void {
    this.addSql(`update daily_entries d set time_slot_id = null, updated_at = now()
  from data_migration_undo u
 where u.migration = '${NAME}' and u.table_name = 'daily_entries' and u.row_id = d.id;`);
    this.addSql(`delete from data_migration_undo where migration = '${NAME}';`);
  }
}
