import { Migration } from '@mikro-orm/migrations';

export class Migration20261202053857_user_sessions extends Migration {

  override name = 'Migration20261202053857_user_sessions';

  override up(): void | Promise<void> {
    this.addSql(`create table "user_sessions" ("id" uuid not null default gen_random_uuid(), "user_id" uuid not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "user_sessions_user_id_index" on "user_sessions" ("user_id");`);

    this.addSql(`alter table "user_sessions" add constraint "user_sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete restrict;`);

    // Retention is now per audit category: the old all-rows setting becomes the noise one, keeping its value.
    this.addSql(`update "system_settings" set "key" = 'audit_noise_retention_days' where "key" = 'security_log_retention_days';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`update "system_settings" set "key" = 'security_log_retention_days' where "key" = 'audit_noise_retention_days';`);
    this.addSql(`drop table if exists "user_sessions" cascade;`);
  }

}
