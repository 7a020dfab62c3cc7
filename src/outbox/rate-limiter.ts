// At most `rate` sends in any one-second window (Meta counts messages per second per number).
export class RateLimiter {
  private rate = 80;
  private readonly recent: number[] = [];

  setRate(rate: number): void {
    this.rate = Math.max(1, rate);
  }

  /** Resolves when one more send fits in the current second. */
  async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.recent.length && this.recent[0]! <= now - 1000) this.recent.shift();
      if (this.recent.length < this.rate) {
        this.recent.push(now);
        return;
      }
      await new Promise((r) => setTimeout(r, this.recent[0]! + 1000 - now + 1));
    }
  }
}
