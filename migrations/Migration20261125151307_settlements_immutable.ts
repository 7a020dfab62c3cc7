import { Migration } from '@mikro-orm/migrations';

// A settled entry never changes, and a settlement's figures are final (triggers declared on the entities).
export class Migration20261125151307_settlements_immutable extends Migration {

  override name = 'Migration20261125151307_settlements_immutable';

  override up(): void | Promise<void> {
    this.addSql(`alter table "settlements" add "advances_outstanding" numeric(14,2) not null default '0';`);
    this.addSql(`create or replace function "settlements_settlements_figures_immutable_fn"() returns trigger as \$\$ begin if (new.settlement_number, new.farmer_id, new.period_start, new.period_end, new.gross_amount, new.total_commission, new.total_fees, new.total_advances, new.net_payable, new.advances_outstanding, new.generated_at) is distinct from (old.settlement_number, old.farmer_id, old.period_start, old.period_end, old.gross_amount, old.total_commission, old.total_fees, old.total_advances, old.net_payable, old.advances_outstanding, old.generated_at) then raise exception 'settlement % is final: its figures cannot change', old.settlement_number using errcode = 'check_violation'; end if; if old.status = 'paid' and (new.status, new.paid_at, new.paid_by_id, new.payment_reference) is distinct from (old.status, old.paid_at, old.paid_by_id, old.payment_reference) then raise exception 'settlement % is already paid', old.settlement_number using errcode = 'check_violation'; end if; return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "settlements_figures_immutable" BEFORE UPDATE on "settlements" for each ROW execute function "settlements_settlements_figures_immutable_fn"();`);

    this.addSql(`create or replace function "daily_entries_daily_entries_settled_immutable_fn"() returns trigger as \$\$ begin if old.settlement_id is not null then raise exception 'entry % is settled and cannot change', old.entry_no using errcode = 'check_violation'; end if; return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "daily_entries_settled_immutable" BEFORE UPDATE on "daily_entries" for each ROW execute function "daily_entries_daily_entries_settled_immutable_fn"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "daily_entries_settled_immutable" on "daily_entries";`);
    this.addSql(`drop function if exists "daily_entries_daily_entries_settled_immutable_fn"();`);

    this.addSql(`drop trigger if exists "settlements_figures_immutable" on "settlements";`);
    this.addSql(`drop function if exists "settlements_settlements_figures_immutable_fn"();`);
    this.addSql(`alter table "settlements" drop column "advances_outstanding";`);
  }

}
