import { Migration } from '@mikro-orm/migrations';

export class Migration20261125145922_login_throttle_indexes extends Migration {

  override name = 'Migration20261125145922_login_throttle_indexes';

  override up(): void | Promise<void> {
    this.addSql(`create index "idx_security_logs_action_entity_id_created" on "security_logs" ("action", "entity_id", "created_at");`);
    this.addSql(`create index "idx_security_logs_action_ip_created" on "security_logs" ("action", "ip_address", "created_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "idx_security_logs_action_entity_id_created";`);
    this.addSql(`drop index "idx_security_logs_action_ip_created";`);
  }

}
