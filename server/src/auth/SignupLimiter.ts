/**
 * Sign-up limiting, in memory, per node: a sliding window of attempt timestamps per client IP
 * and per (normalised) email. Every sign-up costs an argon2id hash, so it is counted before
 * hashing whatever the outcome. The limits come from config (SIGNUP_LIMIT_PER_HOUR per IP, a
 * few per email). Behind several nodes each node counts on its own: the effective limit is N
 * times these, which still stops mass account creation from one host.
 *
 * Sign-ins use LoginThrottle instead: a hard window there would let anyone lock a victim out.
 */
export interface ThrottleLimits {
  perAccount: number;
  perIp: number;
  windowMs: number;
}

/** Bounded memory: beyond this many tracked keys the oldest are forgotten first. */
const MAX_KEYS = 100_000;

export class SignupLimiter {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records an attempt before any work (so concurrent attempts cannot slip past the count)
   * and returns null, or the seconds to wait when a limit is reached.
   */
  begin(ip: string, account: string): { retryAfterSeconds: number } | null {
    const t = this.now();
    const ipKey = `ip:${ip}`;
    const accountKey = `account:${account}`;
    const waits = [this.wait(ipKey, this.limits.perIp, t), this.wait(accountKey, this.limits.perAccount, t)];
    const wait = Math.max(...waits);
    if (wait > 0) return { retryAfterSeconds: Math.ceil(wait / 1000) };
    this.push(ipKey, t);
    this.push(accountKey, t);
    return null;
  }

  /** Takes an attempt back: this account's count is forgotten, the IP's loses one. */
  succeeded(ip: string, account: string): void {
    this.attempts.delete(`account:${account}`);
    const ipList = this.attempts.get(`ip:${ip}`);
    ipList?.pop();
    if (ipList?.length === 0) this.attempts.delete(`ip:${ip}`);
  }

  private wait(key: string, limit: number, t: number): number {
    const list = this.attempts.get(key);
    if (!list) return 0;
    while (list.length > 0 && (list[0] ?? 0) <= t - this.limits.windowMs) list.shift();
    if (list.length === 0) {
      this.attempts.delete(key);
      return 0;
    }
    if (list.length < limit) return 0;
    // The window frees a slot when the oldest of the last `limit` attempts leaves it.
    const oldest = list[list.length - limit] ?? t;
    return Math.max(1000, oldest + this.limits.windowMs - t);
  }

  private push(key: string, t: number): void {
    const list = this.attempts.get(key);
    if (list) {
      list.push(t);
      return;
    }
    if (this.attempts.size >= MAX_KEYS) {
      const oldestKey = this.attempts.keys().next().value;
      if (oldestKey !== undefined) this.attempts.delete(oldestKey);
    }
    this.attempts.set(key, [t]);
  }
}
