import { Hono } from 'hono';
import type { AppDeps } from '../../app.js';
import type { Sessions } from '../auth/session.js';
import type { AppEnv } from '../types.js';
export function adminPages(_deps: AppDeps, _sessions: Sessions) {
  return new Hono<AppEnv>();
}
