import { Migration } from '@mikro-orm/migrations';

// Data migration: every farmer's stored figures recomputed from the rows by DESIGN.md's balance rule
// (the guide's script subtracted advances twice). Batches of 1,000 farmers by id; only changed farmers are
// touched, and their old figures go to data_migration_undo so `down` can put them back.
// Written as SQL (a DO block) so `db:migrate --dry-run` shows exactly what runs.
const NAME = 'Migration20261125150000_recompute_farmer_balances';

export class Migration20261125150000_recompute_farmer_balances extends Migration {
  override name = NAME;

  override up(): void {
    this.addSql(`do $$
declare
  last_id uuid := '00000000-0000-0000-0000-000000000000';
  batch uuid[];
begin
  loop
    select array_agg(id order by id) into batch
      from (select id from farmers where id > last_id order by id limit 1000) b;
    exit when batch is null;
    with entries as (
      select farmer_id, net_amount from daily_entries where status = 'active' and farmer_id = any(batch)
      union all
      select farmer_id, net_amount from daily_entries_archive where status = 'active' and farmer_id = any(batch)
    ), figures as (
      select f.id,
             coalesce((select sum(net_amount) from entries e where e.farmer_id = f.id), 0) as entries_net,
             coalesce((select sum(amount) from cash_advances a where a.farmer_id = f.id and a.status = 'approved'), 0) as advances,
             coalesce((select sum(net_payable) from settlements s where s.farmer_id = f.id and s.status = 'paid'), 0) as settled
        from farmers f where f.id = any(batch)
    ), changed as (
      select g.id, g.entries_net - g.advances - g.settled as balance, g.settled, g.advances
        from figures g join farmers f on f.id = g.id
       where (f.current_balance, f.total_settlements, f.total_advances)
             is distinct from (g.entries_net - g.advances - g.settled, g.settled, g.advances)
    ), undo as (
      insert into data_migration_undo (migration, table_name, row_id, before)
      select '${NAME}', 'farmers', f.id,
             jsonb_build_object('current_balance', f.current_balance, 'total_settlements', f.total_settlements, 'total_advances', f.total_advances)
        from farmers f join changed c on c.id = f.id
    )
    update farmers f
       set current_balance = c.balance, total_settlements = c.settled, total_advances = c.advances, updated_at = now()
      from changed c where f.id = c.id;
    last_id := batch[array_length(batch, 1)];
  end loop;
end $$;`);
  }

  override down(): void {
    this.addSql(`update farmers f
   set current_balance = (u.before->>'current_balance')::numeric,
       total_settlements = (u.before->>'total_settlements')::numeric,
       total_advances = (u.before->>'total_advances')::numeric,
       updated_at = now()
  from data_migration_undo u
 where u.migration = '${NAME}' and u.table_name = 'farmers' and u.row_id = f.id;`);
    this.addSql(`delete from data_migration_undo where migration = '${NAME}';`);
  }
}
