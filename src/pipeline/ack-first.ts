// Ack-first scheduling for PIPELINE_THREAD=main, where the pipeline and the outbox share the HTTP thread's
// event loop: the requests in flight are counted, and background work yields to them.
import { setImmediate as nextTurn } from 'node:timers/promises';

type Fetch<A extends unknown[]> = (request: Request, ...rest: A) => Response | Promise<Response>;

export class RequestGate {
  private inFlight = 0;
  private waiters: (() => void)[] = [];

  /** The same handler, counting its requests from arrival to answer. */
  count<A extends unknown[]>(fetch: Fetch<A>): Fetch<A> {
    return async (request, ...rest) => {
      this.inFlight++;
      try {
        return await fetch(request, ...rest);
      } finally {
        if (--this.inFlight === 0) for (const w of this.waiters.splice(0)) w();
      }
    };
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /**
   * One turn of the event loop, so requests whose bytes have arrived are read (and their INSERT sent) before
   * the next piece of background work; then, while requests are in flight, at most `maxWaitMs` more.
   */
  async yield(maxWaitMs = 0): Promise<void> {
    await nextTurn();
    if (!this.inFlight || maxWaitMs <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, maxWaitMs);
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        const k = waiters.indexOf(done);
        if (k >= 0) waiters.splice(k, 1);
        resolve();
      }
      waiters.push(done);
    });
  }
}
