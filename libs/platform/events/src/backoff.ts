/** Exponential backoff settings shared by the relay and the consumers. */
export interface BackoffOptions {
  /** First delay after a failure. */
  initialMs?: number;
  /** Upper bound of any delay. */
  maxMs?: number;
}

/**
 * Delay before retry number `attempt` (1-based): doubling from `initialMs` up to `maxMs`, then
 * "equal jitter" (between half and all of it) so that copies that failed together spread out.
 */
export function backoffDelay(attempt: number, opts: Required<BackoffOptions>, random = Math.random): number {
  const exp = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/** A sleep that can be cut short; used so stop() and nudge() need not wait out a delay. */
export class Sleeper {
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  sleep(ms: number): Promise<void> {
    this.interrupt();
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => this.interrupt(), ms);
    });
  }

  /** Ends the current sleep now (no-op when not sleeping). */
  interrupt(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/** Text of an error for a log field or an `outbox_event.last_error` column, cut to `max` characters. */
export function errorText(err: unknown, max = 500): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
