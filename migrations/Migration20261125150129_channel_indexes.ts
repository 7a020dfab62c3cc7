import { Migration } from '@mikro-orm/migrations';

export class Migration20261125150129_channel_indexes extends Migration {

  override name = 'Migration20261125150129_channel_indexes';

  override up(): void | Promise<void> {
    this.addSql(`create index "idx_inbound_messages_sender_phone" on "inbound_messages" ("sender_phone", "received_at");`);

    this.addSql(`create index "idx_notifications_recipient" on "notifications" ("recipient_phone", "id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "idx_inbound_messages_sender_phone";`);

    this.addSql(`drop index "idx_notifications_recipient";`);
  }

}
