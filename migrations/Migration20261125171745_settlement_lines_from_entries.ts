import { Migration } from '@mikro-orm/migrations';

// Settling an entry writes one thing: daily_entries.settlement_id. Entry lines are no longer copied into
// settlement_items (the same row again, with four index entries and two foreign-key checks per entry); the
// statement reads them from the entries. settlement_id loses its index and the table keeps half of each page
// free (fillfactor 50), so the settling update is a HOT update that touches none of the entries' indexes.
// Existing pages are not repacked here (that needs VACUUM FULL, an exclusive lock): new rows get the room.
// Existing entry lines are checked against their entries and then removed; down() writes them back.
const ENTRY_LINE = `format('Entry #%s %s %s %s %s x %s', e.entry_no, e.entry_date, ft.name, e.quantity, e.unit, e.rate_per_unit)`;

export class Migration20261125171745_settlement_lines_from_entries extends Migration {

  override name = 'Migration20261125171745_settlement_lines_from_entries';

  override up(): void | Promise<void> {
    // Nothing is dropped unless every entry line says what its entry says. (A settled entry that had no line gets
    // one: its entry; the settlement's gross already counted it, which the settlement_totals check verifies.)
    this.addSql(`do $$ declare bad int; begin
      select count(*) into bad from (
        select i.id from settlement_items i left join daily_entries e on e.id = i.daily_entry_id
         where i.item_type = 'entry' and (e.id is null or e.settlement_id is distinct from i.settlement_id
               or i.amount <> e.total_amount or i.quantity is distinct from e.quantity or i.rate is distinct from e.rate_per_unit)
        union all
        select i.id from settlement_items_archive i left join daily_entries_archive e on e.id = i.daily_entry_id
         where i.item_type = 'entry' and (e.id is null or e.settlement_id is distinct from i.settlement_id
               or i.amount <> e.total_amount or i.quantity is distinct from e.quantity or i.rate is distinct from e.rate_per_unit)) x;
      if bad > 0 then
        raise exception '% settlement entry lines differ from their entries; run db:validate and fix them first', bad;
      end if; end $$;`);
    this.addSql(`delete from settlement_items where item_type = 'entry';`);
    this.addSql(`delete from settlement_items_archive where item_type = 'entry';`);
    this.addSql(`alter table "settlement_items" drop constraint "settlement_items_daily_entry_id_foreign";`);

    this.addSql(`drop index "settlement_items_archive_daily_entry_id_index";`);
    this.addSql(`alter table "settlement_items_archive" drop column "daily_entry_id";`);

    this.addSql(`drop trigger if exists "settlements_figures_immutable" on "settlements";`);
    this.addSql(`drop function if exists "settlements_settlements_figures_immutable_fn"();`);
    this.addSql(`alter table "settlements" add "first_entry_date" date null;`);
    this.addSql(`update settlements s set first_entry_date = m.d
      from (select settlement_id, min(entry_date) as d
              from (select settlement_id, entry_date from daily_entries union all select settlement_id, entry_date from daily_entries_archive) x
             where settlement_id is not null group by settlement_id) m
     where m.settlement_id = s.id;`);
    this.addSql(`create or replace function "settlements_settlements_figures_immutable_fn"() returns trigger as \$\$ begin if (new.settlement_number, new.farmer_id, new.period_start, new.period_end, new.gross_amount, new.total_commission, new.total_fees, new.total_advances, new.net_payable, new.advances_outstanding, new.first_entry_date, new.generated_at) is distinct from (old.settlement_number, old.farmer_id, old.period_start, old.period_end, old.gross_amount, old.total_commission, old.total_fees, old.total_advances, old.net_payable, old.advances_outstanding, old.first_entry_date, old.generated_at) then raise exception 'settlement % is final: its figures cannot change', old.settlement_number using errcode = 'check_violation'; end if; if old.status = 'paid' and (new.status, new.paid_at, new.paid_by_id, new.payment_reference) is distinct from (old.status, old.paid_at, old.paid_by_id, old.payment_reference) then raise exception 'settlement % is already paid', old.settlement_number using errcode = 'check_violation'; end if; return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "settlements_figures_immutable" BEFORE UPDATE on "settlements" for each ROW execute function "settlements_settlements_figures_immutable_fn"();`);

    this.addSql(`drop index "daily_entries_settlement_id_index";`);
    this.addSql(`alter table "daily_entries" set (fillfactor = 50);`);
    this.addSql(`drop trigger if exists "daily_entries_settled_immutable" on "daily_entries";`);
    this.addSql(`drop function if exists "daily_entries_daily_entries_settled_immutable_fn"();`);
    this.addSql(`create or replace function "daily_entries_daily_entries_settled_immutable_fn"() returns trigger as \$\$ begin if old.settlement_id is not null then raise exception 'entry % is settled and cannot change', old.entry_no using errcode = 'check_violation'; end if; return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "daily_entries_settled_immutable" BEFORE UPDATE on "daily_entries" for each ROW
  when (old.settlement_id is not null) execute function "daily_entries_daily_entries_settled_immutable_fn"();`);

    this.addSql(`alter table "settlement_items" drop constraint "settlement_items_daily_entry_id_unique";`);
    this.addSql(`alter table "settlement_items" drop constraint "settlement_items_item_type_check";`);
    this.addSql(`alter table "settlement_items" drop constraint "settlement_items_link_check";`);
    this.addSql(`alter table "settlement_items" drop column "daily_entry_id";`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_item_type_check" check ("item_type" in ('advance', 'fee'));`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_link_check" check ((item_type = 'advance' and cash_advance_id is not null) or item_type = 'fee');`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "daily_entries_settled_immutable" on "daily_entries";`);
    this.addSql(`drop function if exists "daily_entries_daily_entries_settled_immutable_fn"();`);
    this.addSql(`create index "daily_entries_settlement_id_index" on "daily_entries" ("settlement_id");`);
    this.addSql(`alter table "daily_entries" reset (fillfactor);`);
    this.addSql(`create or replace function "daily_entries_daily_entries_settled_immutable_fn"() returns trigger as \$\$ begin if old.settlement_id is not null then raise exception 'entry % is settled and cannot change', old.entry_no using errcode = 'check_violation'; end if; return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "daily_entries_settled_immutable" BEFORE UPDATE on "daily_entries" for each ROW execute function "daily_entries_daily_entries_settled_immutable_fn"();`);

    this.addSql(`alter table "settlement_items" drop constraint "settlement_items_link_check";`);
    this.addSql(`alter table "settlement_items" drop constraint "settlement_items_item_type_check";`);
    this.addSql(`alter table "settlement_items" add "daily_entry_id" uuid null;`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_daily_entry_id_foreign" foreign key ("daily_entry_id") references "daily_entries" ("id") on update no action on delete restrict;`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_daily_entry_id_unique" unique ("daily_entry_id");`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_link_check" check (((item_type = 'entry'::text) AND (daily_entry_id IS NOT NULL)) OR ((item_type = 'advance'::text) AND (cash_advance_id IS NOT NULL)) OR (item_type = 'fee'::text));`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_item_type_check" check ("item_type" in ('entry', 'advance', 'fee'));`);
    this.addSql(`insert into settlement_items (settlement_id, item_type, daily_entry_id, description, quantity, rate, amount, created_at)
      select e.settlement_id, 'entry', e.id, ${ENTRY_LINE}, e.quantity, e.rate_per_unit, e.total_amount, s.generated_at
        from daily_entries e join flower_types ft on ft.id = e.flower_type_id join settlements s on s.id = e.settlement_id;`);

    this.addSql(`alter table "settlement_items_archive" add "daily_entry_id" uuid null;`);
    this.addSql(`create index "settlement_items_archive_daily_entry_id_index" on "settlement_items_archive" ("daily_entry_id");`);
    this.addSql(`insert into settlement_items_archive (id, settlement_id, item_type, daily_entry_id, description, quantity, rate, amount, created_at)
      select gen_random_uuid(), e.settlement_id, 'entry', e.id, ${ENTRY_LINE}, e.quantity, e.rate_per_unit, e.total_amount, s.generated_at
        from daily_entries_archive e join flower_types ft on ft.id = e.flower_type_id join settlements s on s.id = e.settlement_id;`);

    this.addSql(`drop trigger if exists "settlements_figures_immutable" on "settlements";`);
    this.addSql(`drop function if exists "settlements_settlements_figures_immutable_fn"();`);
    this.addSql(`alter table "settlements" drop column "first_entry_date";`);
    this.addSql(`create or replace function "settlements_settlements_figures_immutable_fn"() returns trigger as \$\$ begin if (new.settlement_number, new.farmer_id, new.period_start, new.period_end, new.gross_amount, new.total_commission, new.total_fees, new.total_advances, new.net_payable, new.advances_outstanding, new.generated_at) is distinct from (old.settlement_number, old.farmer_id, old.period_start, old.period_end, old.gross_amount, old.total_commission, old.total_fees, old.total_advances, old.net_payable, old.advances_outstanding, old.generated_at) then raise exception 'settlement % is final: its figures cannot change', old.settlement_number using errcode = 'check_violation'; end if; if old.status = 'paid' and (new.status, new.paid_at, new.paid_by_id, new.payment_reference) is distinct from (old.status, old.paid_at, old.paid_by_id, old.payment_reference) then raise exception 'settlement % is already paid', old.settlement_number using errcode = 'check_violation'; end if; return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "settlements_figures_immutable" BEFORE UPDATE on "settlements" for each ROW execute function "settlements_settlements_figures_immutable_fn"();`);
  }

}
