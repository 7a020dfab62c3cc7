import { Migration } from '@mikro-orm/migrations';

export class Migration20261202053723_jobs_and_broadcasts extends Migration {

  override name = 'Migration20261202053723_jobs_and_broadcasts';

  override up(): void | Promise<void> {
    this.addSql(`create table "job_runs" ("id" bigserial primary key, "job" varchar(60) not null, "period" varchar(40) not null, "due_at" timestamptz null, "started_at" timestamptz not null default now(), "finished_at" timestamptz null, "outcome" text not null default 'running', "trigger" text not null, "late" boolean not null default false, "summary" text null, "details" jsonb null);`);
    this.addSql(`create index "idx_job_runs_job_period" on "job_runs" ("job", "period");`);
    this.addSql(`create index "idx_job_runs_job_started" on "job_runs" ("job", "started_at");`);

    this.addSql(`alter table "farmers" add "rate_card_opt_out" boolean not null default false, add "monthly_statement_opt_out" boolean not null default false;`);

    this.addSql(`alter table "job_runs" add constraint "job_runs_outcome_check" check ("outcome" in ('running', 'ok', 'skipped', 'failed', 'stopped', 'interrupted'));`);
    this.addSql(`alter table "job_runs" add constraint "job_runs_trigger_check" check ("trigger" in ('schedule', 'catch-up', 'manual'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "job_runs" cascade;`);

    this.addSql(`alter table "farmers" drop column "rate_card_opt_out", drop column "monthly_statement_opt_out";`);
  }

}
