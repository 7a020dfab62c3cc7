// The pipeline worker thread runs a few nice steps below the HTTP thread, so that on a busy box the acks get
// the cores first. Linux keeps a nice value per thread (setpriority with a thread id changes that thread
// alone), and threads started from this one later (the statement render workers) inherit it. Elsewhere the
// call is refused and the caller says so in the log.
import fs from 'node:fs';
import os from 'node:os';

export type ThreadPriority = { ok: true; tid: number; nice: number } | { ok: false; reason: string };

/** Lowers the calling thread's priority by `steps` nice steps (at most to 19). */
export function lowerThisThreadPriority(steps: number): ThreadPriority {
  let tid: number;
  try {
    // "<pid>/task/<tid>"
    tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return { ok: false, reason: 'no /proc/thread-self: per-thread priority needs Linux' };
  }
  try {
    const nice = Math.min(19, os.getPriority(tid) + steps);
    if (steps > 0) os.setPriority(tid, nice);
    return { ok: true, tid, nice: os.getPriority(tid) };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
