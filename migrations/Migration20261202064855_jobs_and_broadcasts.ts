import { Migration } from '@mikro-orm/migrations';

export class Migration20261202064855_jobs_and_broadcasts extends Migration {

  override name = 'Migration20261202064855_jobs_and_broadcasts';

  override up(): void | Promise<void> {
    this.addSql(`create table "farmer_broadcast_preferences" ("farmer_id" uuid not null, "rate_card_opt_out" boolean not null default false, "monthly_statement_opt_out" boolean not null default false, "updated_at" timestamptz not null default now(), primary key ("farmer_id"));`);

    this.addSql(`create table "job_runs" ("id" bigserial primary key, "job" varchar(60) not null, "period" varchar(40) not null, "due_at" timestamptz null, "started_at" timestamptz not null default now(), "finished_at" timestamptz null, "outcome" text not null default 'running', "trigger" text not null, "late" boolean not null default false, "summary" text null, "details" jsonb null);`);
    this.addSql(`create index "idx_job_runs_job_period" on "job_runs" ("job", "period");`);
    this.addSql(`create index "idx_job_runs_job_started" on "job_runs" ("job", "started_at");`);

    this.addSql(`alter table "farmer_broadcast_preferences" add constraint "farmer_broadcast_preferences_farmer_id_foreign" foreign key ("farmer_id") references "farmers" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "job_runs" add constraint "job_runs_outcome_check" check ("outcome" in ('running', 'ok', 'skipped', 'failed', 'stopped', 'interrupted'));`);
    this.addSql(`alter table "job_runs" add constraint "job_runs_trigger_check" check ("trigger" in ('schedule', 'catch-up', 'manual'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "farmer_broadcast_preferences" cascade;`);
    this.addSql(`drop table if exists "job_runs" cascade;`);
  }

}
