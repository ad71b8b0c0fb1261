/**
 * Retries of remote requests: each attempt runs under a timeout, a transient fault is
 * retried with exponential backoff and jitter (as the model layer does for model calls),
 * counted, and logged; anything else is thrown at once. The only retry loop for remote I/O.
 */
import { isTransient, remoteDetail } from "./errors.js";
import type { IoMeter } from "./io-stats.js";

export interface RetryPolicy {
  /** Retries after the first attempt (default 6). */
  retries: number;
  /** First pause; doubles each retry (default 500 ms). */
  backoffMs: number;
  /** Longest pause (default 30 s). */
  maxBackoffMs: number;
  /** One attempt (one request, its whole body) may take this long before it counts as failed (default 120 s). */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 6, backoffMs: 500, maxBackoffMs: 30_000, timeoutMs: 120_000 };

export interface RetryContext {
  policy: RetryPolicy;
  meter: IoMeter;
  log: (msg: string) => void;
}

/**
 * Runs `attempt` until it succeeds, a non-transient error occurs, or the retries are spent.
 * `what` names the request in log lines ("s3://b/k bytes 0-8388607").
 */
export async function withRetry<T>(ctx: RetryContext, scheme: string, what: string, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { policy, meter, log } = ctx;
  for (let n = 0; ; n++) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(Object.assign(new Error(`no answer within ${policy.timeoutMs} ms`), { name: "TimeoutError" })), policy.timeoutMs);
    try {
      return await attempt(abort.signal);
    } catch (err) {
      const reason = abort.signal.aborted ? abort.signal.reason : err;
      if (!isTransient(reason) || n >= policy.retries) {
        if (isTransient(reason)) meter.add(scheme, "failures");
        throw reason;
      }
      const pause = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** n) * (0.5 + Math.random() / 2);
      meter.add(scheme, "retries");
      log(`io: ${what}: ${remoteDetail(reason)}; retry ${n + 1} of ${policy.retries} in ${(pause / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, pause));
    } finally {
      clearTimeout(timer);
    }
  }
}
