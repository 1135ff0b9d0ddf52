/**
 * The chat's flood limit: a token bucket per key (member and room). A key starts with
 * `burst` tokens, each message takes one, and tokens come back at `perMinute` a minute up to
 * `burst` again. In memory, per node: a member whose tabs sit on two nodes gets each node's
 * allowance, which bounds a flood all the same and costs no Redis round trip per message.
 */
export interface ChatRateLimits {
  burst: number;
  perMinute: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Beyond this many tracked keys, full buckets (= untracked keys) are swept out. */
const SWEEP_AT = 10_000;

export class ChatRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly limits: ChatRateLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = limits.perMinute / 60_000;
  }

  /** Takes a token and returns null, or the seconds until one is back (nothing taken). */
  take(key: string): { retryAfterSeconds: number } | null {
    const t = this.now();
    const bucket = this.buckets.get(key);
    const tokens = bucket ? this.level(bucket, t) : this.limits.burst;
    if (tokens < 1) return { retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)) };
    if (!bucket && this.buckets.size >= SWEEP_AT) this.sweep(t);
    this.buckets.set(key, { tokens: tokens - 1, at: t });
    return null;
  }

  /** Keys tracked (tests). */
  size(): number {
    return this.buckets.size;
  }

  private level(bucket: Bucket, t: number): number {
    return Math.min(this.limits.burst, bucket.tokens + (t - bucket.at) * this.perMs);
  }

  private sweep(t: number): void {
    for (const [key, bucket] of this.buckets) if (this.level(bucket, t) >= this.limits.burst) this.buckets.delete(key);
  }
}
