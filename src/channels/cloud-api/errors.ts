// Meta's error codes sorted into "try again later" and "this message will never go". Source: the Cloud API
// error-code reference (codes, not titles, are stable).
import { ChannelSendError } from '../channel.js';

/** Throughput, pair-rate and temporary platform problems: the same request can succeed later. */
const RETRYABLE = new Set([
  1, // API unknown (often a transient server error)
  2, // API service: temporarily unavailable or overloaded
  4, // too many API calls (app-level rate limit)
  80007, // WhatsApp Business Account rate limit
  130429, // throughput limit reached (80/s by default)
  131000, // "something went wrong": generic; retried a bounded number of times
  131016, // service unavailable
  131048, // spam rate limit: slow down
  131056, // pair rate limit: too many messages to the same person
  133004, // server temporarily unavailable
  // Our own account or token is at fault (expired token, payment, locked account). The operator can fix
  // it, so the messages wait (up to the attempt limit) rather than being dropped.
  0,
  3,
  10,
  190,
  131031,
  131042,
]);

/** Codes where the recipient or the message itself is the problem: sending again cannot help. */
export const PERMANENT_EXAMPLES = {
  131026: 'message undeliverable (number not on WhatsApp, or it cannot receive)',
  131047: 'outside the 24-hour window (a template is needed)',
  131051: 'unsupported message type',
  132000: 'template parameter count mismatch',
  132001: 'template does not exist in that language',
} as const;

export const REENGAGEMENT_REQUIRED = 131047;

interface GraphErrorBody {
  error?: { message?: string; code?: number; error_subcode?: number; error_data?: { details?: string } };
}

/** Turns a non-2xx Graph API answer into a ChannelSendError that says whether to retry. */
export function graphError(httpStatus: number, body: unknown): ChannelSendError {
  const err = (body as GraphErrorBody | null)?.error;
  const code = typeof err?.code === 'number' ? err.code : undefined;
  const detail = [err?.message, err?.error_data?.details].filter(Boolean).join(' — ') || `HTTP ${httpStatus}`;
  const retryable = code !== undefined && RETRYABLE.has(code) ? true : httpStatus >= 500 || httpStatus === 429 || httpStatus === 408;
  return new ChannelSendError(
    `WhatsApp Cloud API error ${code ?? httpStatus}: ${detail}`,
    retryable,
    code !== undefined ? String(code) : `http_${httpStatus}`,
  );
}
