// The one ORM configuration, shared by the service, the db:* commands and the tests.
// The connection URL is passed in because the embedded database has to be started first.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { SeedManager } from '@mikro-orm/seeder';
import { entities } from './src/domain/entities.js';

const root = path.dirname(fileURLToPath(import.meta.url));

export interface OrmConnection {
  clientUrl: string;
  poolSize: number;
  debug?: boolean;
}

export function ormOptions(connection: OrmConnection): Options {
  return defineConfig({
    clientUrl: connection.clientUrl,
    entities,
    baseDir: root,
    pool: { min: 0, max: connection.poolSize },
    debug: connection.debug ?? false,
    // Money columns are numeric; we keep them as strings end to end.
    forceUtcTimezone: true,
    extensions: [Migrator, SeedManager],
    migrations: {
      path: path.join(root, 'migrations'),
      pathTs: path.join(root, 'migrations'),
      glob: '!(*.d).{js,ts}',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    seeder: {
      path: path.join(root, 'seeds'),
      pathTs: path.join(root, 'seeds'),
      defaultSeeder: 'ReferenceSeeder',
    },
  });
}
