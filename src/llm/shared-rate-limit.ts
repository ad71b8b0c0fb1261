/**
 * A request-rate limit shared with other processes (e.g. every queue worker of a run,
 * through Redis: src/queue/redis-rate-limit.ts). The OpenAI engine takes one permit per
 * HTTP request, retries included, so a hosted API's per-minute quota holds across machines.
 * It lives apart from limiter.ts (the in-process concurrency cap) on purpose: the engine
 * only needs this one hook.
 */
export interface RequestPermits {
  /** Resolves when this process may send one more request; rejects with LlmError("aborted") on abort. */
  take(signal?: AbortSignal): Promise<void>;
}
