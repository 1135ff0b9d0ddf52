/**
 * Failed-login throttling, in memory, per node (a sliding window of attempt timestamps).
 *
 * Numbers: per account (normalised email) 10 failures per 15 minutes; per client IP
 * 50 failures per 15 minutes. The per-account limit stops guessing one person's password
 * from many IPs; it is deliberately not tighter, because anyone can spend it to lock a
 * victim out for up to 15 minutes. The per-IP limit stops spraying many accounts from one
 * host while leaving room for a shared office NAT. Behind several nodes each node counts
 * on its own, so the effective limit is N times these; that is acceptable for argon2id
 * hashes (each guess is still slow) and keeps login free of Redis round trips.
 */
export interface ThrottleLimits {
  perAccount: number;
  perIp: number;
  windowMs: number;
}

export const LOGIN_LIMITS: ThrottleLimits = { perAccount: 10, perIp: 50, windowMs: 15 * 60_000 };

/** Bounded memory: beyond this many tracked keys the oldest are forgotten first. */
const MAX_KEYS = 100_000;

export class LoginThrottle {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly limits: ThrottleLimits = LOGIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records an attempt before the password is checked (so concurrent guesses cannot slip
   * past the count) and returns null, or the seconds to wait when a limit is reached.
   * A successful login calls succeeded() to take the attempt back.
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

  /** The password was right: forget this account's failures and take back this IP attempt. */
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
