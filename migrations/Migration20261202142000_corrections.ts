import { Migration } from '@mikro-orm/migrations';

// Corrections add rows, never edit money: adjustments (a new table, carried as settlement lines), reversed
// advances, unpaid and reopened settlements (status 'reopened' keeps the row; a re-run takes the next revision,
// S-…-FAR001-2), short advance references (advance_no). The immutability triggers learn the moves allowed.

export class Migration20261202142000_corrections extends Migration {

  override name = 'Migration20261202142000_corrections';

  override up(): void | Promise<void> {
    this.addSql(`create table "adjustments" ("id" uuid not null default gen_random_uuid(), "adjustment_no" bigserial, "farmer_id" uuid not null, "amount" numeric(14,2) not null, "reason" text not null, "created_by_id" uuid null, "source_message_id" varchar(255) null, "settlement_id" uuid null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "adjustments" add constraint "adjustments_adjustment_no_unique" unique ("adjustment_no");`);
    this.addSql(`alter table "adjustments" add constraint "adjustments_source_message_id_unique" unique ("source_message_id");`);
    this.addSql(`create index "idx_adjustments_farmer_settlement" on "adjustments" ("farmer_id", "settlement_id");`);

    this.addSql(`alter table "settlements" drop constraint "settlements_farmer_period_unique";`);
    this.addSql(`alter table "settlements" drop constraint "settlements_status_check";`);
    this.addSql(`drop trigger if exists "settlements_figures_immutable" on "settlements";`);
    this.addSql(`drop function if exists "settlements_settlements_figures_immutable_fn"();`);
    this.addSql(`alter table "settlements" add "total_adjustments" numeric(14,2) not null default '0', add "revision" int not null default 1, add "reopened_at" timestamptz null, add "reopened_by_id" uuid null, add "reopen_reason" text null;`);
    this.addSql(`alter table "settlements" add constraint "settlements_reopened_by_id_foreign" foreign key ("reopened_by_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "settlements" add constraint "settlements_farmer_period_revision_unique" unique ("farmer_id", "period_start", "period_end", "revision");`);
    this.addSql(`alter table "settlements" add constraint "settlements_reopened_check" check ((status = 'reopened') = (reopened_at is not null));`);
    this.addSql(`alter table "settlements" add constraint "settlements_status_check" check ("status" in ('finalized', 'paid', 'reopened'));`);
    this.addSql(`create or replace function "settlements_settlements_figures_immutable_fn"() returns trigger as \$\$ begin if (new.settlement_number, new.farmer_id, new.period_start, new.period_end, new.gross_amount, new.total_commission, new.total_fees, new.total_advances, new.total_adjustments, new.net_payable, new.advances_outstanding, new.first_entry_date, new.generated_at, new.revision) is distinct from (old.settlement_number, old.farmer_id, old.period_start, old.period_end, old.gross_amount, old.total_commission, old.total_fees, old.total_advances, old.total_adjustments, old.net_payable, old.advances_outstanding, old.first_entry_date, old.generated_at, old.revision) then raise exception 'settlement % is final: its figures cannot change', old.settlement_number using errcode = 'check_violation'; end if; if old.status = 'reopened' and (to_jsonb(new) - 'sent_at') is distinct from (to_jsonb(old) - 'sent_at') then raise exception 'settlement % was reopened and cannot change', old.settlement_number using errcode = 'check_violation'; end if; if old.status = 'paid' and (new.status, new.paid_at, new.paid_by_id, new.payment_reference) is distinct from (old.status, old.paid_at, old.paid_by_id, old.payment_reference) and not (new.status = 'finalized' and new.paid_at is null and new.paid_by_id is null and new.payment_reference is null) then raise exception 'settlement % is already paid', old.settlement_number using errcode = 'check_violation'; end if; return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "settlements_figures_immutable" BEFORE UPDATE on "settlements" for each ROW execute function "settlements_settlements_figures_immutable_fn"();`);

    this.addSql(`drop trigger if exists "daily_entries_settled_immutable" on "daily_entries";`);
    this.addSql(`drop function if exists "daily_entries_daily_entries_settled_immutable_fn"();`);
    this.addSql(`create or replace function "daily_entries_daily_entries_settled_immutable_fn"() returns trigger as \$\$ begin if new.settlement_id is null and (to_jsonb(new) - 'settlement_id' - 'updated_at') = (to_jsonb(old) - 'settlement_id' - 'updated_at') and exists (select 1 from settlements s where s.id = old.settlement_id and s.status = 'reopened') then return new; end if; raise exception 'entry % is settled and cannot change', old.entry_no using errcode = 'check_violation'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "daily_entries_settled_immutable" BEFORE UPDATE on "daily_entries" for each ROW
  when ((old.settlement_id IS NOT NULL)) execute function "daily_entries_daily_entries_settled_immutable_fn"();`);

    this.addSql(`alter table "cash_advances" drop constraint "cash_advances_status_check";`);
    this.addSql(`alter table "cash_advances" add "advance_no" bigserial, add "reversed_by_id" uuid null, add "reversed_at" timestamptz null, add "reversal_reason" text null;`);
    this.addSql(`alter table "cash_advances" add constraint "cash_advances_reversed_by_id_foreign" foreign key ("reversed_by_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "cash_advances" add constraint "cash_advances_advance_no_unique" unique ("advance_no");`);
    this.addSql(`alter table "cash_advances" add constraint "cash_advances_reversed_check" check ((status = 'reversed') = (reversed_at is not null));`);
    this.addSql(`alter table "cash_advances" add constraint "cash_advances_status_check" check ("status" in ('pending', 'approved', 'rejected', 'reversed'));`);

    this.addSql(`alter table "settlement_items" drop constraint "settlement_items_item_type_check";`);
    this.addSql(`alter table "settlement_items" drop constraint "settlement_items_link_check";`);
    this.addSql(`alter table "settlement_items" add "adjustment_id" uuid null;`);
    this.addSql(`alter table "settlement_items_archive" add "adjustment_id" uuid null;`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_adjustment_id_foreign" foreign key ("adjustment_id") references "adjustments" ("id") on delete restrict;`);
    this.addSql(`create index "settlement_items_adjustment_id_index" on "settlement_items" ("adjustment_id");`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_item_type_check" check ("item_type" in ('advance', 'fee', 'adjustment'));`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_link_check" check ((item_type = 'advance' and cash_advance_id is not null) or (item_type = 'adjustment' and adjustment_id is not null) or item_type = 'fee');`);

    this.addSql(`alter table "adjustments" add constraint "adjustments_farmer_id_foreign" foreign key ("farmer_id") references "farmers" ("id");`);
    this.addSql(`alter table "adjustments" add constraint "adjustments_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "adjustments" add constraint "adjustments_settlement_id_foreign" foreign key ("settlement_id") references "settlements" ("id") on delete restrict;`);
    this.addSql(`alter table "adjustments" add constraint "adjustments_amount_check" check (amount <> 0);`);
    this.addSql(`create or replace function "adjustments_adjustments_immutable_fn"() returns trigger as \$\$ begin if (to_jsonb(new) - 'settlement_id') is distinct from (to_jsonb(old) - 'settlement_id') then raise exception 'adjustment % cannot change: add another one', old.adjustment_no using errcode = 'check_violation'; end if; return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "adjustments_immutable" BEFORE UPDATE on "adjustments" for each ROW execute function "adjustments_adjustments_immutable_fn"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "settlement_items" drop constraint "settlement_items_adjustment_id_foreign";`);

    this.addSql(`drop trigger if exists "adjustments_immutable" on "adjustments";`);
    this.addSql(`drop function if exists "adjustments_adjustments_immutable_fn"();`);
    this.addSql(`drop table if exists "adjustments" cascade;`);

    this.addSql(`alter table "cash_advances" drop constraint "cash_advances_reversed_by_id_foreign";`);

    this.addSql(`alter table "settlements" drop constraint "settlements_reopened_by_id_foreign";`);

    this.addSql(`alter table "cash_advances" drop constraint "cash_advances_advance_no_unique";`);
    this.addSql(`alter table "cash_advances" drop constraint "cash_advances_reversed_check";`);
    this.addSql(`alter table "cash_advances" drop constraint "cash_advances_status_check";`);
    this.addSql(`alter table "cash_advances" drop column "advance_no", drop column "reversed_by_id", drop column "reversed_at", drop column "reversal_reason";`);
    this.addSql(`alter table "cash_advances" add constraint "cash_advances_status_check" check ("status" in ('pending', 'approved', 'rejected'));`);

    this.addSql(`drop trigger if exists "daily_entries_settled_immutable" on "daily_entries";`);
    this.addSql(`drop function if exists "daily_entries_daily_entries_settled_immutable_fn"();`);
    this.addSql(`create or replace function "daily_entries_daily_entries_settled_immutable_fn"() returns trigger as \$\$ begin if old.settlement_id is not null then raise exception 'entry % is settled and cannot change', old.entry_no using errcode = 'check_violation'; end if; return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "daily_entries_settled_immutable" BEFORE UPDATE on "daily_entries" for each ROW
  when ((old.settlement_id IS NOT NULL)) execute function "daily_entries_daily_entries_settled_immutable_fn"();`);

    this.addSql(`drop index "settlement_items_adjustment_id_index";`);
    this.addSql(`alter table "settlement_items" drop constraint "settlement_items_link_check";`);
    this.addSql(`alter table "settlement_items" drop constraint "settlement_items_item_type_check";`);
    this.addSql(`alter table "settlement_items" drop column "adjustment_id";`);
    this.addSql(`alter table "settlement_items_archive" drop column "adjustment_id";`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_link_check" check (((item_type = 'advance'::text) AND (cash_advance_id IS NOT NULL)) OR (item_type = 'fee'::text));`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_item_type_check" check ("item_type" in ('advance', 'fee'));`);

    this.addSql(`alter table "settlements" drop constraint "settlements_farmer_period_revision_unique";`);
    this.addSql(`alter table "settlements" drop constraint "settlements_reopened_check";`);
    this.addSql(`alter table "settlements" drop constraint "settlements_status_check";`);
    this.addSql(`drop trigger if exists "settlements_figures_immutable" on "settlements";`);
    this.addSql(`drop function if exists "settlements_settlements_figures_immutable_fn"();`);
    this.addSql(`alter table "settlements" drop column "total_adjustments", drop column "revision", drop column "reopened_at", drop column "reopened_by_id", drop column "reopen_reason";`);
    this.addSql(`alter table "settlements" add constraint "settlements_farmer_period_unique" unique ("farmer_id", "period_start", "period_end");`);
    this.addSql(`alter table "settlements" add constraint "settlements_status_check" check ("status" in ('finalized', 'paid'));`);
    this.addSql(`create or replace function "settlements_settlements_figures_immutable_fn"() returns trigger as \$\$ begin if (new.settlement_number, new.farmer_id, new.period_start, new.period_end, new.gross_amount, new.total_commission, new.total_fees, new.total_advances, new.net_payable, new.advances_outstanding, new.first_entry_date, new.generated_at) is distinct from (old.settlement_number, old.farmer_id, old.period_start, old.period_end, old.gross_amount, old.total_commission, old.total_fees, old.total_advances, old.net_payable, old.advances_outstanding, old.first_entry_date, old.generated_at) then raise exception 'settlement % is final: its figures cannot change', old.settlement_number using errcode = 'check_violation'; end if; if old.status = 'paid' and (new.status, new.paid_at, new.paid_by_id, new.payment_reference) is distinct from (old.status, old.paid_at, old.paid_by_id, old.payment_reference) then raise exception 'settlement % is already paid', old.settlement_number using errcode = 'check_violation'; end if; return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "settlements_figures_immutable" BEFORE UPDATE on "settlements" for each ROW execute function "settlements_settlements_figures_immutable_fn"();`);
  }

}
