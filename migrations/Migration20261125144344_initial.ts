import { Migration } from '@mikro-orm/migrations';

export class Migration20261125144344_initial extends Migration {

  override name = 'Migration20261125144344_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "farmers" ("id" uuid not null default gen_random_uuid(), "farmer_code" varchar(20) not null, "name" varchar(255) not null, "village" varchar(255) null, "phone" varchar(20) null, "whatsapp_number" varchar(20) null, "address" text null, "language_preference" text not null default 'ta', "commission_rate" numeric(5,2) null, "is_active" boolean not null default true, "current_balance" numeric(14,2) not null default '0', "total_settlements" numeric(14,2) not null default '0', "total_advances" numeric(14,2) not null default '0', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "farmers" add constraint "farmers_farmer_code_unique" unique ("farmer_code");`);
    this.addSql(`create index "farmers_phone_index" on "farmers" ("phone");`);
    this.addSql(`alter table "farmers" add constraint "farmers_whatsapp_number_unique" unique ("whatsapp_number");`);

    this.addSql(`create table "flower_types" ("id" uuid not null default gen_random_uuid(), "name" varchar(100) not null, "name_ta" varchar(100) not null, "code" varchar(20) not null, "description" text null, "unit" text not null default 'kg', "aliases" text[] not null default '{}', "is_active" boolean not null default true, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "flower_types" add constraint "flower_types_name_unique" unique ("name");`);
    this.addSql(`alter table "flower_types" add constraint "flower_types_name_ta_unique" unique ("name_ta");`);
    this.addSql(`alter table "flower_types" add constraint "flower_types_code_unique" unique ("code");`);

    this.addSql(`create table "inbound_messages" ("id" bigserial primary key, "channel" text not null, "provider_message_id" varchar(255) not null, "sender" varchar(100) not null, "sender_phone" varchar(20) null, "text" text null, "media_kind" varchar(30) null, "received_at" timestamptz not null, "stored_at" timestamptz not null default now(), "outcome" varchar(40) null, "processed_at" timestamptz null, "error" text null, "raw" jsonb null);`);
    this.addSql(`alter table "inbound_messages" add constraint "inbound_messages_provider_message_id_unique" unique ("provider_message_id");`);
    this.addSql(`create index "idx_inbound_messages_unprocessed" on "inbound_messages" ("stored_at") where outcome is null;`);

    this.addSql(`create table "system_settings" ("id" uuid not null default gen_random_uuid(), "key" varchar(100) not null, "value" text not null, "value_type" text not null, "description" text null, "is_public" boolean not null default false, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "system_settings" add constraint "system_settings_key_unique" unique ("key");`);

    this.addSql(`create table "time_slots" ("id" uuid not null default gen_random_uuid(), "name" varchar(100) not null, "name_ta" varchar(100) not null, "start_time" time(0) not null, "end_time" time(0) not null, "sort_order" int not null default 0, "aliases" text[] not null default '{}', "is_active" boolean not null default true, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "time_slots" add constraint "time_slots_name_unique" unique ("name");`);
    this.addSql(`alter table "time_slots" add constraint "time_slots_name_ta_unique" unique ("name_ta");`);

    this.addSql(`create table "users" ("id" uuid not null default gen_random_uuid(), "email" varchar(255) not null, "full_name" varchar(255) not null, "phone" varchar(20) not null, "role" text not null, "is_active" boolean not null default true, "email_verified" boolean not null default false, "language_preference" text not null default 'en', "password_hash" varchar(255) null, "last_login_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
    this.addSql(`alter table "users" add constraint "users_phone_unique" unique ("phone");`);

    this.addSql(`create table "settlements" ("id" uuid not null default gen_random_uuid(), "settlement_number" varchar(50) not null, "farmer_id" uuid not null, "period_start" date not null, "period_end" date not null, "gross_amount" numeric(14,2) not null, "total_commission" numeric(14,2) not null, "total_fees" numeric(14,2) not null, "total_advances" numeric(14,2) not null, "net_payable" numeric(14,2) not null, "status" text not null default 'finalized', "paid_at" timestamptz null, "paid_by_id" uuid null, "payment_reference" varchar(100) null, "generated_at" timestamptz not null default now(), "sent_at" timestamptz null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "settlements" add constraint "settlements_settlement_number_unique" unique ("settlement_number");`);
    this.addSql(`alter table "settlements" add constraint "settlements_farmer_period_unique" unique ("farmer_id", "period_start", "period_end");`);

    this.addSql(`create table "security_logs" ("id" bigserial primary key, "actor_user_id" uuid null, "actor_phone" varchar(40) null, "action" varchar(100) not null, "entity" varchar(100) null, "entity_id" varchar(100) null, "details" jsonb null, "ip_address" varchar(64) null, "user_agent" text null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "security_logs_created_at_index" on "security_logs" ("created_at");`);
    this.addSql(`create index "idx_security_logs_entity" on "security_logs" ("entity", "entity_id");`);
    this.addSql(`create index "idx_security_logs_action_created" on "security_logs" ("action", "created_at");`);

    this.addSql(`create table "notifications" ("id" bigserial primary key, "recipient_phone" varchar(40) not null, "farmer_id" uuid null, "user_id" uuid null, "type" varchar(50) not null, "language" text not null, "payload" jsonb not null, "status" text not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz not null default now(), "last_error" text null, "provider_message_id" varchar(255) null, "created_at" timestamptz not null default now(), "sent_at" timestamptz null, "updated_at" timestamptz not null default now());`);
    this.addSql(`create index "notifications_provider_message_id_index" on "notifications" ("provider_message_id");`);
    this.addSql(`create index "notifications_created_at_index" on "notifications" ("created_at");`);
    this.addSql(`create index "idx_notifications_due" on "notifications" ("status", "next_attempt_at");`);

    this.addSql(`create table "market_rates" ("id" uuid not null default gen_random_uuid(), "flower_type_id" uuid not null, "time_slot_id" uuid not null, "rate_per_unit" numeric(10,2) not null, "effective_date" date not null, "created_by_id" uuid null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "market_rates" add constraint "market_rates_flower_type_id_time_slot_id_effective_date_unique" unique ("flower_type_id", "time_slot_id", "effective_date");`);

    this.addSql(`create table "daily_entries" ("id" uuid not null default gen_random_uuid(), "entry_no" bigserial, "farmer_id" uuid not null, "flower_type_id" uuid not null, "time_slot_id" uuid null, "entry_date" date not null, "entry_time" timestamptz not null, "quantity" numeric(10,3) not null, "unit" text not null, "rate_per_unit" numeric(10,2) not null, "total_amount" numeric(14,2) not null, "commission_rate" numeric(5,2) not null, "commission_amount" numeric(14,2) not null, "fee_amount" numeric(14,2) not null default '0', "net_amount" numeric(14,2) not null, "recorded_by_id" uuid null, "source" text not null default 'whatsapp', "source_message_id" varchar(255) null, "source_line" int not null default 0, "status" text not null default 'active', "voided_by_id" uuid null, "voided_at" timestamptz null, "void_reason" text null, "settlement_id" uuid null, "sync_status" varchar(20) not null default 'synced', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_entry_no_unique" unique ("entry_no");`);
    this.addSql(`create index "daily_entries_settlement_id_index" on "daily_entries" ("settlement_id");`);
    this.addSql(`create index "idx_daily_entries_farmer_date" on "daily_entries" ("farmer_id", "entry_date");`);
    this.addSql(`create index "idx_daily_entries_date" on "daily_entries" ("entry_date");`);
    this.addSql(`create index "idx_daily_entries_recorded_by_created" on "daily_entries" ("recorded_by_id", "created_at");`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_source_message_line_unique" unique ("source_message_id", "source_line");`);

    this.addSql(`create table "cash_advances" ("id" uuid not null default gen_random_uuid(), "farmer_id" uuid not null, "amount" numeric(14,2) not null, "reason" text null, "status" text not null default 'pending', "recorded_by_id" uuid null, "approved_by_id" uuid null, "approved_at" timestamptz null, "rejection_reason" text null, "amount_recovered" numeric(14,2) not null default '0', "source_message_id" varchar(255) null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "cash_advances" add constraint "cash_advances_source_message_id_unique" unique ("source_message_id");`);
    this.addSql(`create index "idx_cash_advances_farmer_status" on "cash_advances" ("farmer_id", "status", "created_at");`);

    this.addSql(`create table "settlement_items" ("id" uuid not null default gen_random_uuid(), "settlement_id" uuid not null, "item_type" text not null, "daily_entry_id" uuid null, "cash_advance_id" uuid null, "description" text not null, "quantity" numeric(10,3) null, "rate" numeric(10,2) null, "amount" numeric(14,2) not null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "settlement_items_settlement_id_index" on "settlement_items" ("settlement_id");`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_daily_entry_id_unique" unique ("daily_entry_id");`);
    this.addSql(`create index "settlement_items_cash_advance_id_index" on "settlement_items" ("cash_advance_id");`);

    this.addSql(`alter table "farmers" add constraint "farmers_commission_rate_check" check (commission_rate is null or (commission_rate >= 0 and commission_rate <= 100));`);
    this.addSql(`alter table "farmers" add constraint "farmers_language_preference_check" check ("language_preference" in ('en', 'ta'));`);

    this.addSql(`alter table "flower_types" add constraint "flower_types_unit_check" check ("unit" in ('kg', 'piece'));`);

    this.addSql(`alter table "inbound_messages" add constraint "inbound_messages_channel_check" check ("channel" in ('cloud', 'webjs', 'console'));`);

    this.addSql(`alter table "system_settings" add constraint "system_settings_value_type_check" check ("value_type" in ('number', 'string', 'boolean', 'json'));`);

    this.addSql(`alter table "time_slots" add constraint "time_slots_range_check" check (end_time > start_time);`);
    this.addSql(`alter table "time_slots" add constraint "time_slots_no_overlap" EXCLUDE USING gist (int4range((EXTRACT(epoch FROM start_time))::integer, (EXTRACT(epoch FROM end_time))::integer) WITH &&) WHERE (is_active);`);

    this.addSql(`alter table "users" add constraint "users_role_check" check ("role" in ('admin', 'staff'));`);
    this.addSql(`alter table "users" add constraint "users_language_preference_check" check ("language_preference" in ('en', 'ta'));`);

    this.addSql(`alter table "settlements" add constraint "settlements_farmer_id_foreign" foreign key ("farmer_id") references "farmers" ("id");`);
    this.addSql(`alter table "settlements" add constraint "settlements_paid_by_id_foreign" foreign key ("paid_by_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "settlements" add constraint "settlements_period_check" check (period_end >= period_start);`);
    this.addSql(`alter table "settlements" add constraint "settlements_net_payable_check" check (net_payable >= 0);`);
    this.addSql(`alter table "settlements" add constraint "settlements_paid_check" check ((status = 'paid') = (paid_at is not null));`);
    this.addSql(`alter table "settlements" add constraint "settlements_status_check" check ("status" in ('finalized', 'paid'));`);

    this.addSql(`alter table "security_logs" add constraint "security_logs_actor_user_id_foreign" foreign key ("actor_user_id") references "users" ("id") on delete restrict;`);

    this.addSql(`alter table "notifications" add constraint "notifications_farmer_id_foreign" foreign key ("farmer_id") references "farmers" ("id") on delete set null;`);
    this.addSql(`alter table "notifications" add constraint "notifications_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "notifications" add constraint "notifications_language_check" check ("language" in ('en', 'ta'));`);
    this.addSql(`alter table "notifications" add constraint "notifications_status_check" check ("status" in ('pending', 'sending', 'sent', 'delivered', 'read', 'failed'));`);

    this.addSql(`alter table "market_rates" add constraint "market_rates_flower_type_id_foreign" foreign key ("flower_type_id") references "flower_types" ("id");`);
    this.addSql(`alter table "market_rates" add constraint "market_rates_time_slot_id_foreign" foreign key ("time_slot_id") references "time_slots" ("id");`);
    this.addSql(`alter table "market_rates" add constraint "market_rates_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "market_rates" add constraint "market_rates_rate_per_unit_check" check (rate_per_unit > 0);`);

    this.addSql(`alter table "daily_entries" add constraint "daily_entries_farmer_id_foreign" foreign key ("farmer_id") references "farmers" ("id");`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_flower_type_id_foreign" foreign key ("flower_type_id") references "flower_types" ("id");`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_time_slot_id_foreign" foreign key ("time_slot_id") references "time_slots" ("id") on delete restrict;`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_recorded_by_id_foreign" foreign key ("recorded_by_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_voided_by_id_foreign" foreign key ("voided_by_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_settlement_id_foreign" foreign key ("settlement_id") references "settlements" ("id") on delete restrict;`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_quantity_check" check (quantity > 0);`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_rate_check" check (rate_per_unit > 0);`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_amounts_check" check (total_amount >= 0 and commission_amount >= 0 and fee_amount >= 0);`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_commission_rate_check" check (commission_rate >= 0 and commission_rate <= 100);`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_void_check" check ((status = 'voided') = (voided_at is not null));`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_unit_check" check ("unit" in ('kg', 'piece'));`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_source_check" check ("source" in ('whatsapp', 'web', 'import'));`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_status_check" check ("status" in ('active', 'voided'));`);

    this.addSql(`alter table "cash_advances" add constraint "cash_advances_farmer_id_foreign" foreign key ("farmer_id") references "farmers" ("id");`);
    this.addSql(`alter table "cash_advances" add constraint "cash_advances_recorded_by_id_foreign" foreign key ("recorded_by_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "cash_advances" add constraint "cash_advances_approved_by_id_foreign" foreign key ("approved_by_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "cash_advances" add constraint "cash_advances_amount_check" check (amount > 0);`);
    this.addSql(`alter table "cash_advances" add constraint "cash_advances_recovered_check" check (amount_recovered >= 0 and amount_recovered <= amount);`);
    this.addSql(`alter table "cash_advances" add constraint "cash_advances_status_check" check ("status" in ('pending', 'approved', 'rejected'));`);

    this.addSql(`alter table "settlement_items" add constraint "settlement_items_settlement_id_foreign" foreign key ("settlement_id") references "settlements" ("id");`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_daily_entry_id_foreign" foreign key ("daily_entry_id") references "daily_entries" ("id") on delete restrict;`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_cash_advance_id_foreign" foreign key ("cash_advance_id") references "cash_advances" ("id") on delete restrict;`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_link_check" check ((item_type = 'entry' and daily_entry_id is not null) or (item_type = 'advance' and cash_advance_id is not null) or item_type = 'fee');`);
    this.addSql(`alter table "settlement_items" add constraint "settlement_items_item_type_check" check ("item_type" in ('entry', 'advance', 'fee'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "settlements" drop constraint "settlements_farmer_id_foreign";`);
    this.addSql(`alter table "notifications" drop constraint "notifications_farmer_id_foreign";`);
    this.addSql(`alter table "daily_entries" drop constraint "daily_entries_farmer_id_foreign";`);
    this.addSql(`alter table "cash_advances" drop constraint "cash_advances_farmer_id_foreign";`);
    this.addSql(`alter table "market_rates" drop constraint "market_rates_flower_type_id_foreign";`);
    this.addSql(`alter table "daily_entries" drop constraint "daily_entries_flower_type_id_foreign";`);
    this.addSql(`alter table "market_rates" drop constraint "market_rates_time_slot_id_foreign";`);
    this.addSql(`alter table "daily_entries" drop constraint "daily_entries_time_slot_id_foreign";`);
    this.addSql(`alter table "settlements" drop constraint "settlements_paid_by_id_foreign";`);
    this.addSql(`alter table "security_logs" drop constraint "security_logs_actor_user_id_foreign";`);
    this.addSql(`alter table "notifications" drop constraint "notifications_user_id_foreign";`);
    this.addSql(`alter table "market_rates" drop constraint "market_rates_created_by_id_foreign";`);
    this.addSql(`alter table "daily_entries" drop constraint "daily_entries_recorded_by_id_foreign";`);
    this.addSql(`alter table "daily_entries" drop constraint "daily_entries_voided_by_id_foreign";`);
    this.addSql(`alter table "cash_advances" drop constraint "cash_advances_recorded_by_id_foreign";`);
    this.addSql(`alter table "cash_advances" drop constraint "cash_advances_approved_by_id_foreign";`);
    this.addSql(`alter table "daily_entries" drop constraint "daily_entries_settlement_id_foreign";`);
    this.addSql(`alter table "settlement_items" drop constraint "settlement_items_settlement_id_foreign";`);
    this.addSql(`alter table "settlement_items" drop constraint "settlement_items_daily_entry_id_foreign";`);
    this.addSql(`alter table "settlement_items" drop constraint "settlement_items_cash_advance_id_foreign";`);

    this.addSql(`drop table if exists "farmers" cascade;`);
    this.addSql(`drop table if exists "flower_types" cascade;`);
    this.addSql(`drop table if exists "inbound_messages" cascade;`);
    this.addSql(`drop table if exists "system_settings" cascade;`);
    this.addSql(`drop table if exists "time_slots" cascade;`);
    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop table if exists "settlements" cascade;`);
    this.addSql(`drop table if exists "security_logs" cascade;`);
    this.addSql(`drop table if exists "notifications" cascade;`);
    this.addSql(`drop table if exists "market_rates" cascade;`);
    this.addSql(`drop table if exists "daily_entries" cascade;`);
    this.addSql(`drop table if exists "cash_advances" cascade;`);
    this.addSql(`drop table if exists "settlement_items" cascade;`);
  }

}
