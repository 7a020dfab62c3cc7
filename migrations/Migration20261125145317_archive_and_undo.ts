import { Migration } from '@mikro-orm/migrations';

export class Migration20261125145317_archive_and_undo extends Migration {

  override name = 'Migration20261125145317_archive_and_undo';

  override up(): void | Promise<void> {
    this.addSql(`create table "daily_entries_archive" ("id" uuid not null, "entry_no" bigint not null, "farmer_id" uuid not null, "flower_type_id" uuid not null, "time_slot_id" uuid null, "entry_date" date not null, "entry_time" timestamptz not null, "quantity" numeric(10,3) not null, "unit" text not null, "rate_per_unit" numeric(10,2) not null, "total_amount" numeric(14,2) not null, "commission_rate" numeric(5,2) not null, "commission_amount" numeric(14,2) not null, "fee_amount" numeric(14,2) not null, "net_amount" numeric(14,2) not null, "recorded_by_id" uuid null, "source" text not null, "source_message_id" varchar(255) null, "source_line" int not null, "status" text not null, "voided_by_id" uuid null, "voided_at" timestamptz null, "void_reason" text null, "settlement_id" uuid null, "sync_status" varchar(20) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "archived_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "daily_entries_archive_farmer_id_index" on "daily_entries_archive" ("farmer_id");`);
    this.addSql(`create index "daily_entries_archive_settlement_id_index" on "daily_entries_archive" ("settlement_id");`);

    this.addSql(`create table "data_migration_undo" ("id" bigserial primary key, "migration" varchar(255) not null, "table_name" varchar(100) not null, "row_id" uuid not null, "before" jsonb not null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "idx_data_migration_undo_migration" on "data_migration_undo" ("migration", "row_id");`);

    this.addSql(`create table "settlement_items_archive" ("id" uuid not null, "settlement_id" uuid not null, "item_type" text not null, "daily_entry_id" uuid null, "cash_advance_id" uuid null, "description" text not null, "quantity" numeric(10,3) null, "rate" numeric(10,2) null, "amount" numeric(14,2) not null, "created_at" timestamptz not null, "archived_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "settlement_items_archive_settlement_id_index" on "settlement_items_archive" ("settlement_id");`);
    this.addSql(`create index "settlement_items_archive_daily_entry_id_index" on "settlement_items_archive" ("daily_entry_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "daily_entries_archive" cascade;`);
    this.addSql(`drop table if exists "data_migration_undo" cascade;`);
    this.addSql(`drop table if exists "settlement_items_archive" cascade;`);
  }

}
