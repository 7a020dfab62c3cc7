import { Migration } from '@mikro-orm/migrations';

export class Migration20261202053711_replicas extends Migration {

  override name = 'Migration20261202053711_replicas';

  override up(): void | Promise<void> {
    this.addSql(`create table "outbox_send_slots" ("sending_number" varchar(64) not null, "next_slot_at" timestamptz not null, primary key ("sending_number"));`);

    this.addSql(`alter table "inbound_messages" add "attempts" int not null default 0;`);
    this.addSql(`create index "idx_inbound_messages_sender_open" on "inbound_messages" ("sender", "id") where outcome is null;`);

    this.addSql(`create or replace function "notifications_notifications_wake_outbox_fn"() returns trigger as \$\$ begin perform pg_notify('malar_outbox', ''); return null; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "notifications_wake_outbox" AFTER INSERT on "notifications" for each STATEMENT execute function "notifications_notifications_wake_outbox_fn"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "outbox_send_slots" cascade;`);

    this.addSql(`drop index "idx_inbound_messages_sender_open";`);
    this.addSql(`alter table "inbound_messages" drop column "attempts";`);

    this.addSql(`drop trigger if exists "notifications_wake_outbox" on "notifications";`);
    this.addSql(`drop function if exists "notifications_notifications_wake_outbox_fn"();`);
  }

}
