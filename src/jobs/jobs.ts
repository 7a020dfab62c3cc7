// The job runner with every job and the admins' notices wired in: what the service and `npm run jobs` use.
import { adminNoticeSender } from './admin-notices.js';
import { coreJobs, type JobDeps } from './catalog.js';
import { JobRunner, type JobRunnerOptions } from './runner.js';

export function createJobRunner(deps: JobDeps, options: Pick<JobRunnerOptions, 'clock'> = {}): JobRunner {
  return new JobRunner({
    orm: deps.db.orm,
    databaseUrl: deps.db.url,
    timeZone: deps.config.marketTimeZone,
    logger: deps.logger,
    jobs: coreJobs(deps),
    onFinished: adminNoticeSender(deps.db.orm, deps.config.marketTimeZone),
    ...options,
  });
}
