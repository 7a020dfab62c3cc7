// A request body size limit that decides from Content-Length when the request has one. Hono's bodyLimit
// reads `c.req.raw.body` first, which makes @hono/node-server build a whole web Request (undici, a web stream
// over the socket) for every request, only to look at a header; the body is then read straight from Node's
// request. Node's HTTP parser reads exactly Content-Length bytes, so the header is as good as counting them.
// Without it (chunked uploads) Hono's streaming count decides.
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit';
import type { AppEnv } from './types.js';

export function bodyLimit(options: { maxSize: number; onError: (c: Context<AppEnv>) => Response | Promise<Response> }): MiddlewareHandler<AppEnv> {
  const streaming = streamingBodyLimit(options);
  return async (c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined && /^\d+$/.test(length))
      return Number(length) > options.maxSize ? options.onError(c) : next();
    return streaming(c, next);
  };
}
