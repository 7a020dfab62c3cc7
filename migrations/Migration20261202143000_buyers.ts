import { Migration } from '@mikro-orm/migrations';

export class Migration20261202143000_buyers extends Migration {

  override name = 'Migration20261202143000_buyers';

  override up(): void | Promise<void> {
    this.addSql(`create table "buyers" ("id" uuid not null default gen_random_uuid(), "buyer_code" varchar(20) not null, "name" varchar(255) not null, "phone" varchar(20) null, "village" varchar(255) null, "language_preference" text not null default 'ta', "credit_limit" numeric(14,2) null, "is_active" boolean not null default true, "current_balance" numeric(14,2) not null default '0', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "buyers" add constraint "buyers_buyer_code_unique" unique ("buyer_code");`);
    this.addSql(`alter table "buyers" add constraint "buyers_phone_unique" unique ("phone");`);

    this.addSql(`create table "sale_rates" ("id" uuid not null default gen_random_uuid(), "flower_type_id" uuid not null, "rate_date" date not null, "rate_per_unit" numeric(10,2) not null, "created_by_id" uuid null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "sale_rates" add constraint "sale_rates_flower_date_unique" unique ("flower_type_id", "rate_date");`);

    this.addSql(`create table "sales" ("id" uuid not null default gen_random_uuid(), "sale_no" bigserial, "buyer_id" uuid not null, "flower_type_id" uuid not null, "sale_date" date not null, "sale_time" timestamptz not null, "quantity" numeric(10,3) not null, "unit" text not null, "rate_per_unit" numeric(10,2) not null, "gross_amount" numeric(14,2) not null, "charges_amount" numeric(14,2) not null default '0', "total_amount" numeric(14,2) not null, "credit_override" boolean not null default false, "recorded_by_id" uuid null, "source_message_id" varchar(255) null, "source_line" int not null default 0, "status" text not null default 'active', "voided_by_id" uuid null, "voided_at" timestamptz null, "void_reason" text null, "corrects_sale_id" uuid null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "sales" add constraint "sales_sale_no_unique" unique ("sale_no");`);
    this.addSql(`create index "idx_sales_buyer_date" on "sales" ("buyer_id", "sale_date");`);
    this.addSql(`create index "idx_sales_date" on "sales" ("sale_date");`);
    this.addSql(`alter table "sales" add constraint "sales_source_message_line_unique" unique ("source_message_id", "source_line");`);

    this.addSql(`create table "collections" ("id" uuid not null default gen_random_uuid(), "collection_no" bigserial, "buyer_id" uuid not null, "amount" numeric(14,2) not null, "mode" text not null, "reference" varchar(100) null, "collection_date" date not null, "collected_at" timestamptz not null, "recorded_by_id" uuid null, "source_message_id" varchar(255) null, "source_line" int not null default 0, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "collections" add constraint "collections_collection_no_unique" unique ("collection_no");`);
    this.addSql(`create index "idx_collections_buyer" on "collections" ("buyer_id", "collected_at");`);
    this.addSql(`create index "idx_collections_date" on "collections" ("collection_date");`);
    this.addSql(`alter table "collections" add constraint "collections_source_message_line_unique" unique ("source_message_id", "source_line");`);

    this.addSql(`create table "collection_allocations" ("id" bigserial primary key, "collection_id" uuid not null, "sale_id" uuid not null, "amount" numeric(14,2) not null, "released_at" timestamptz null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "idx_collection_allocations_sale" on "collection_allocations" ("sale_id");`);
    this.addSql(`create index "idx_collection_allocations_collection" on "collection_allocations" ("collection_id");`);

    this.addSql(`alter table "buyers" add constraint "buyers_credit_limit_check" check (credit_limit is null or credit_limit >= 0);`);
    this.addSql(`alter table "buyers" add constraint "buyers_language_preference_check" check ("language_preference" in ('en', 'ta'));`);

    this.addSql(`alter table "sale_rates" add constraint "sale_rates_flower_type_id_foreign" foreign key ("flower_type_id") references "flower_types" ("id");`);
    this.addSql(`alter table "sale_rates" add constraint "sale_rates_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "sale_rates" add constraint "sale_rates_rate_check" check (rate_per_unit > 0);`);

    this.addSql(`alter table "sales" add constraint "sales_buyer_id_foreign" foreign key ("buyer_id") references "buyers" ("id");`);
    this.addSql(`alter table "sales" add constraint "sales_flower_type_id_foreign" foreign key ("flower_type_id") references "flower_types" ("id");`);
    this.addSql(`alter table "sales" add constraint "sales_recorded_by_id_foreign" foreign key ("recorded_by_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "sales" add constraint "sales_voided_by_id_foreign" foreign key ("voided_by_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "sales" add constraint "sales_corrects_sale_id_foreign" foreign key ("corrects_sale_id") references "sales" ("id") on delete restrict;`);
    this.addSql(`alter table "sales" add constraint "sales_quantity_check" check (quantity > 0);`);
    this.addSql(`alter table "sales" add constraint "sales_rate_check" check (rate_per_unit > 0);`);
    this.addSql(`alter table "sales" add constraint "sales_amounts_check" check (gross_amount >= 0 and charges_amount >= 0 and total_amount = gross_amount + charges_amount);`);
    this.addSql(`alter table "sales" add constraint "sales_void_check" check ((status = 'voided') = (voided_at is not null));`);
    this.addSql(`alter table "sales" add constraint "sales_unit_check" check ("unit" in ('kg', 'piece'));`);
    this.addSql(`alter table "sales" add constraint "sales_status_check" check ("status" in ('active', 'voided'));`);

    this.addSql(`alter table "collections" add constraint "collections_buyer_id_foreign" foreign key ("buyer_id") references "buyers" ("id");`);
    this.addSql(`alter table "collections" add constraint "collections_recorded_by_id_foreign" foreign key ("recorded_by_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "collections" add constraint "collections_amount_check" check (amount > 0);`);
    this.addSql(`alter table "collections" add constraint "collections_reference_check" check (mode = 'cash' or reference is not null);`);
    this.addSql(`alter table "collections" add constraint "collections_mode_check" check ("mode" in ('cash', 'upi', 'bank'));`);

    this.addSql(`alter table "collection_allocations" add constraint "collection_allocations_collection_id_foreign" foreign key ("collection_id") references "collections" ("id");`);
    this.addSql(`alter table "collection_allocations" add constraint "collection_allocations_sale_id_foreign" foreign key ("sale_id") references "sales" ("id");`);
    this.addSql(`alter table "collection_allocations" add constraint "collection_allocations_amount_check" check (amount > 0);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "sales" drop constraint "sales_buyer_id_foreign";`);
    this.addSql(`alter table "collections" drop constraint "collections_buyer_id_foreign";`);
    this.addSql(`alter table "sales" drop constraint "sales_corrects_sale_id_foreign";`);
    this.addSql(`alter table "collection_allocations" drop constraint "collection_allocations_sale_id_foreign";`);
    this.addSql(`alter table "collection_allocations" drop constraint "collection_allocations_collection_id_foreign";`);

    this.addSql(`drop table if exists "buyers" cascade;`);
    this.addSql(`drop table if exists "sale_rates" cascade;`);
    this.addSql(`drop table if exists "sales" cascade;`);
    this.addSql(`drop table if exists "collections" cascade;`);
    this.addSql(`drop table if exists "collection_allocations" cascade;`);
  }

}
