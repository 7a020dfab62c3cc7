import { Migration } from '@mikro-orm/migrations';

export class Migration20261202141000_fixes_and_confirmations extends Migration {

  override name = 'Migration20261202141000_fixes_and_confirmations';

  override up(): void | Promise<void> {
    this.addSql(`create table "pending_confirmations" ("id" uuid not null default gen_random_uuid(), "sender_phone" varchar(20) not null, "actor_user_id" uuid not null, "kind" text not null, "payload" jsonb not null, "guard" jsonb not null, "source_message_id" varchar(255) null, "source_line" int not null default 0, "status" text not null default 'held', "created_at" timestamptz not null, "expires_at" timestamptz not null, "resolved_at" timestamptz null, "resolved_message_id" varchar(255) null, primary key ("id"));`);
    this.addSql(`create index "idx_pending_confirmations_sender_status" on "pending_confirmations" ("sender_phone", "status");`);

    this.addSql(`alter table "daily_entries_archive" add "corrects_entry_id" uuid null;`);

    this.addSql(`alter table "flower_types" add "max_lot_quantity" numeric(10,3) null;`);

    this.addSql(`alter table "daily_entries" add "corrects_entry_id" uuid null;`);
    this.addSql(`alter table "daily_entries" add constraint "daily_entries_corrects_entry_id_foreign" foreign key ("corrects_entry_id") references "daily_entries" ("id") on delete restrict;`);

    this.addSql(`alter table "pending_confirmations" add constraint "pending_confirmations_actor_user_id_foreign" foreign key ("actor_user_id") references "users" ("id") on delete restrict;`);
    this.addSql(`alter table "pending_confirmations" add constraint "pending_confirmations_kind_check" check ("kind" in ('entry', 'advance', 'fix'));`);
    this.addSql(`alter table "pending_confirmations" add constraint "pending_confirmations_status_check" check ("status" in ('held', 'confirmed', 'dropped', 'expired'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "pending_confirmations" cascade;`);

    this.addSql(`alter table "daily_entries" drop constraint "daily_entries_corrects_entry_id_foreign";`);

    this.addSql(`alter table "daily_entries" drop column "corrects_entry_id";`);

    this.addSql(`alter table "daily_entries_archive" drop column "corrects_entry_id";`);

    this.addSql(`alter table "flower_types" drop column "max_lot_quantity";`);
  }

}
