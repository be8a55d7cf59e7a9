/**
 * A deadline watched by one timer that is re-armed only when it fires early.
 * Moving the deadline costs no timer call: a warm call moves two of them (its
 * worker's timeout and idle clocks), and clearing and setting a timer for
 * each was a measurable part of the call.
 */
export class LazyDeadline {
  private timer?: NodeJS.Timeout;
  /** The deadline, and when the pending timer fires (never after the deadline it was armed for). */
  private at = 0;
  private firesAt = 0;
  private keepAlive = false;

  /**
   * @param watching whether the deadline still applies when the timer fires
   *   (if not, the timer lapses; the next `start` arms a new one)
   * @param expire runs once the deadline has passed while still watching
   */
  constructor(
    private readonly watching: () => boolean,
    private readonly expire: () => void,
  ) {}

  /** Sets the deadline `ms` from now; `keepAlive`: whether the timer holds the process open. */
  start(ms: number, keepAlive: boolean): void {
    this.at = performance.now() + ms;
    this.keepAlive = keepAlive;
    // A pending timer that fires by the new deadline serves (it re-arms for the rest); one that fires later does not.
    if (this.timer && this.firesAt <= this.at) this.hold();
    else {
      clearTimeout(this.timer);
      this.arm(ms);
    }
  }

  /** Lets a timer that will find nothing to watch fire without holding the process open. */
  release(): void {
    this.keepAlive = false;
    this.timer?.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.firesAt = performance.now() + ms;
    this.timer = setTimeout(() => this.check(), ms);
    this.hold();
  }

  private hold(): void {
    if (this.keepAlive) this.timer!.ref();
    else this.timer!.unref();
  }

  private check(): void {
    this.timer = undefined;
    if (!this.watching()) return;
    const left = this.at - performance.now();
    if (left > 0) this.arm(left);
    else this.expire();
  }
}
