// db:init: the database and its two roles, least-privilege. The owner role owns the schema and runs migrations;
// the application role the service runs as may read and write rows (DML) and nothing else: no DDL.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { AppError } from '../errors.js';
import { databaseName, withDatabase } from './backup/restore.js';

export interface InitOptions {
  /** An administrative URL (a superuser or a role with CREATEDB and CREATEROLE); its database is the one set up. */
  adminUrl: string;
  appRole: string;
  ownerRole: string;
}

export interface RoleOutcome {
  role: string;
  created: boolean;
  /** The connection string; the password is in it only when the role was created now. */
  url: string;
}

export interface InitResult {
  database: string;
  databaseCreated: boolean;
  owner: RoleOutcome;
  app: RoleOutcome;
  /** Existing tables and sequences whose ownership moved to the owner role (a database migrated as admin before). */
  reassigned: number;
}

const ROLE = /^[a-z_][a-z0-9_]{0,62}$/;
const q = (id: string) => `"${id}"`;

function roleUrl(adminUrl: string, role: string, password: string | null): string {
  const u = new URL(adminUrl);
  u.username = role;
  u.password = password ?? '';
  return password ? u.toString() : u.toString().replace(`${role}@`, `${role}:<unchanged>@`);
}

async function ensureRole(client: pg.Client, role: string): Promise<string | null> {
  const exists = (await client.query('select 1 from pg_roles where rolname = $1', [role])).rowCount! > 0;
  if (exists) return null;
  const password = randomBytes(18).toString('base64url');
  // A password cannot be a bind parameter in CREATE ROLE; base64url has no quote to escape.
  await client.query(`create role ${q(role)} login password '${password}' nosuperuser nocreatedb nocreaterole noinherit`);
  return password;
}

export async function initDatabase(options: InitOptions): Promise<InitResult> {
  for (const r of [options.appRole, options.ownerRole]) {
    if (!ROLE.test(r)) throw new AppError('INIT_BAD_ROLE', `${r}: a role name is lower-case letters, digits and _`);
  }
  if (options.appRole === options.ownerRole) throw new AppError('INIT_BAD_ROLE', 'the application role and the owner role must differ');
  const database = databaseName(options.adminUrl);
  const server = new pg.Client({ connectionString: withDatabase(options.adminUrl, 'postgres') });
  await server.connect();
  let ownerPassword: string | null;
  let appPassword: string | null;
  let databaseCreated = false;
  try {
    ownerPassword = await ensureRole(server, options.ownerRole);
    appPassword = await ensureRole(server, options.appRole);
    const exists = (await server.query('select 1 from pg_database where datname = $1', [database])).rowCount! > 0;
    if (!exists) {
      await server.query(`create database ${q(database)} owner ${q(options.ownerRole)}`);
      databaseCreated = true;
    }
  } finally {
    await server.end();
  }
  const db = new pg.Client({ connectionString: options.adminUrl });
  await db.connect();
  let reassigned = 0;
  try {
    const owner = q(options.ownerRole);
    const app = q(options.appRole);
    await db.query('begin');
    await db.query(`alter database ${q(database)} owner to ${owner}`);
    await db.query(`revoke all on database ${q(database)} from public`);
    await db.query(`grant connect, temporary on database ${q(database)} to ${owner}, ${app}`);
    await db.query(`alter schema public owner to ${owner}`);
    // Nobody but the owner creates objects in the schema (servers before 15 let everyone).
    await db.query(`revoke create on schema public from public`);
    await db.query(`grant usage on schema public to ${app}`);
    // Tables made before (migrations run as the admin role) move to the owner, so later migrations may alter them.
    const objects = await db.query<{ kind: string; name: string }>(
      `select case c.relkind when 'S' then 'sequence' else 'table' end as kind, c.relname as name
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p', 'S') and pg_get_userbyid(c.relowner) <> $1
          and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i') and c.relkind = 'S')`,
      [options.ownerRole],
    );
    for (const o of objects.rows) await db.query(`alter ${o.kind} public.${q(o.name)} owner to ${owner}`);
    reassigned = objects.rows.length;
    await db.query(`grant select, insert, update, delete on all tables in schema public to ${app}`);
    await db.query(`grant usage, select on all sequences in schema public to ${app}`);
    // What migrations create later is the application's to use in the same way.
    await db.query(`alter default privileges for role ${owner} in schema public grant select, insert, update, delete on tables to ${app}`);
    await db.query(`alter default privileges for role ${owner} in schema public grant usage, select on sequences to ${app}`);
    await db.query('commit');
  } catch (err) {
    await db.query('rollback').catch(() => {});
    throw err;
  } finally {
    await db.end();
  }
  return {
    database,
    databaseCreated,
    owner: { role: options.ownerRole, created: ownerPassword !== null, url: roleUrl(options.adminUrl, options.ownerRole, ownerPassword) },
    app: { role: options.appRole, created: appPassword !== null, url: roleUrl(options.adminUrl, options.appRole, appPassword) },
    reassigned,
  };
}
