/**
 * Failed-login throttling that slows a guesser without locking the owner out.
 *
 * A hard per-account lockout (the old rule: 10 failures → 15 minutes) lets anyone who knows
 * an email keep its owner out. Here failures are counted per *source*, never per account alone:
 *
 * - per (client IP, account): a few free failures, then each further attempt must wait a delay
 *   that doubles with every failure (1 s, 2 s, 4 s … up to 15 minutes);
 * - per client IP across accounts: the same, after many more free failures (spraying one
 *   password over many accounts from one host, with room for a shared office NAT);
 * - a browser that holds a valid device cookie for the account (it signed in there before) is
 *   its own source: only its own failures slow it, whatever the IP, so an attacker can never
 *   block the owner's known device, and failures from a known device do not count against its IP.
 *
 * The owner on a new device at the attacker's IP (a shared NAT) waits out the pair's delay;
 * a guesser spread over many IPs pays a few free guesses per IP per account, each an
 * argon2id hash (SECURITY.md, limits). State is in memory, per node, and forgotten an hour
 * after a source's last failure; behind several nodes each node counts on its own.
 */
export interface DelayPolicy {
  /** Failures allowed before any delay. */
  free: number;
  /** The first delay; each further failure doubles it. */
  baseMs: number;
  maxMs: number;
  /** A source's failures are forgotten this long after its last one. */
  forgetMs: number;
}

export interface LoginPolicy {
  /** One source (IP or known device) against one account. */
  perSource: DelayPolicy;
  /** One IP against any accounts. */
  perIp: DelayPolicy;
}

const HOUR = 60 * 60_000;
export const LOGIN_POLICY: LoginPolicy = {
  perSource: { free: 5, baseMs: 1000, maxMs: 15 * 60_000, forgetMs: HOUR },
  perIp: { free: 50, baseMs: 1000, maxMs: 15 * 60_000, forgetMs: HOUR },
};

export interface LoginAttempt {
  ip: string;
  /** Normalised email. */
  account: string;
  /** From a device cookie that is valid for this account, else null. */
  deviceId: string | null;
}

interface Failures {
  count: number;
  last: number;
}

/** Bounded memory: beyond this many tracked sources the least recently failed are forgotten. */
const MAX_KEYS = 100_000;

export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly policy: LoginPolicy = LOGIN_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Before the password is checked: null to go ahead, or how long to wait. Going ahead counts
   * the attempt as a failure at once (so concurrent guesses cannot slip past the count);
   * succeeded() takes it back.
   */
  begin(attempt: LoginAttempt): { retryAfterSeconds: number } | null {
    const t = this.now();
    const keys = this.keys(attempt);
    const wait = Math.max(...keys.map(([key, policy]) => this.wait(key, policy, t)));
    if (wait > 0) return { retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
    for (const [key] of keys) this.fail(key, t);
    return null;
  }

  /**
   * The password was wrong: the delay runs from now, the answer, not from begin() (hashing
   * can take longer than the first delay on a busy node, which would leave no wait at all).
   */
  failed(attempt: LoginAttempt): void {
    const t = this.now();
    for (const [key] of this.keys(attempt)) {
      const entry = this.failures.get(key);
      if (entry) entry.last = Math.max(entry.last, t);
    }
  }

  /** The password was right: this source starts afresh, and the IP gets its attempt back. */
  succeeded(attempt: LoginAttempt): void {
    const [source, ip] = this.keys(attempt);
    if (source) this.failures.delete(source[0]);
    if (!ip) return;
    const entry = this.failures.get(ip[0]);
    if (entry && --entry.count <= 0) this.failures.delete(ip[0]);
  }

  /** The milliseconds a source must still wait after `count` failures, the last at `last`. */
  static delayAfter(policy: DelayPolicy, count: number): number {
    if (count < policy.free) return 0;
    // 2^30 ms is 12 days: past any sane cap, and no overflow for huge counts.
    return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(30, count - policy.free));
  }

  private keys({ ip, account, deviceId }: LoginAttempt): [string, DelayPolicy][] {
    if (deviceId !== null) return [[`device:${deviceId}:${account}`, this.policy.perSource]];
    return [
      [`pair:${ip}:${account}`, this.policy.perSource],
      [`ip:${ip}`, this.policy.perIp],
    ];
  }

  private wait(key: string, policy: DelayPolicy, t: number): number {
    const entry = this.failures.get(key);
    if (!entry) return 0;
    if (t - entry.last >= policy.forgetMs) {
      this.failures.delete(key);
      return 0;
    }
    return Math.max(0, entry.last + LoginThrottle.delayAfter(policy, entry.count) - t);
  }

  private fail(key: string, t: number): void {
    const entry = this.failures.get(key) ?? { count: 0, last: t };
    // Re-inserted so the map's order is by last failure: eviction drops the stalest source.
    this.failures.delete(key);
    if (this.failures.size >= MAX_KEYS) {
      const stalest = this.failures.keys().next().value;
      if (stalest !== undefined) this.failures.delete(stalest);
    }
    this.failures.set(key, { count: entry.count + 1, last: t });
  }
}
