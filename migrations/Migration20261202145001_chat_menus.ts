import { Migration } from '@mikro-orm/migrations';

export class Migration20261202145001_chat_menus extends Migration {

  override name = 'Migration20261202145001_chat_menus';

  override up(): void | Promise<void> {
    this.addSql(`create table "chat_menus" ("phone" varchar(40) not null, "commands" jsonb not null, "sent_at" timestamptz not null, primary key ("phone"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "chat_menus" cascade;`);
  }

}
