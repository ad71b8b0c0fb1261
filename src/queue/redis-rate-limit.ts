/**
 * The global request-rate limit of the queue: at most `limit` requests in any window of
 * `windowMs` (60 s for --rpm) across every worker that shares the Redis. A sliding log in a
 * sorted set, checked and appended by one Lua script (atomic), on the Redis server's clock,
 * so workers on machines with skewed clocks still agree. Exact, unlike a fixed window that
 * lets up to 2× through around a window boundary.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { sleep } from "../llm/limiter.js";
import type { RequestPermits } from "../llm/shared-rate-limit.js";

const TAKE = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now + 1
`;

export interface RedisRateLimitOptions {
  key: string;
  /** Requests allowed per window. */
  limit: number;
  /** Window length (default 60 000 ms: requests per minute). */
  windowMs?: number;
}

export class RedisRateLimit implements RequestPermits {
  private readonly id = randomBytes(6).toString("hex");
  private seq = 0;
  /** Permits granted to this process (for logs and tests). */
  granted = 0;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RedisRateLimitOptions,
  ) {
    if (!(opts.limit > 0)) throw new Error("the rate limit must be positive");
  }

  async take(signal?: AbortSignal): Promise<void> {
    const windowMs = this.opts.windowMs ?? 60_000;
    for (;;) {
      const wait = Number(await this.redis.eval(TAKE, 1, this.opts.key, this.opts.limit, windowMs, `${this.id}:${this.seq++}`));
      if (wait <= 0) {
        this.granted++;
        return;
      }
      // Waiters on every worker wake near the same moment; a little jitter spreads their retries.
      await sleep(wait + Math.floor(Math.random() * Math.min(50, windowMs / 100)), signal);
    }
  }
}
