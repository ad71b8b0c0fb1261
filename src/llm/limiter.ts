/**
 * Admission control for model requests: a cap on requests in flight and an optional
 * requests-per-minute pacer. The engine talks to the `Limiter` interface only, so an adaptive
 * (AIMD) limiter can replace the fixed one without touching the engine.
 */
import { LlmError } from "./types.js";
import { AdaptiveLimiter } from "./adaptive-limiter.js";
import { WaitQueue } from "./wait-queue.js";

/** What an adaptive limiter learns from a finished request. */
export interface LimiterFeedback {
  /** From sending the request to its reply. */
  latencyMs: number;
  completionTokens?: number;
}

export interface Limiter {
  /** Waits for a slot (higher `priority` first); call the returned function exactly once when the request is done. */
  acquire(signal?: AbortSignal, priority?: number): Promise<() => void>;
  /** The current cap. */
  readonly limit: number;
  /** Requests holding a slot now (the progress display shows it against the cap). */
  readonly active: number;
  /** The most the cap can grow to (adaptive limiters); the orchestrator sizes its window from it. */
  readonly maxLimit?: number;
  /** Outcome feedback for adaptive limiters (a fixed limiter ignores it); "overloaded" = 429/503. */
  onResult?(outcome: "ok" | "overloaded" | "failed", info?: LimiterFeedback): void;
}

export class FixedLimiter implements Limiter {
  private inFlight = 0;
  private readonly waiting = new WaitQueue();

  constructor(readonly limit: number) {}

  get active(): number {
    return this.inFlight;
  }

  async acquire(signal?: AbortSignal, priority = 0): Promise<() => void> {
    if (this.inFlight >= this.limit) await this.waiting.wait(priority, signal);
    else this.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next waiter, so inFlight never dips and overshoots.
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    };
  }
}

export function createLimiter(concurrency: number | "auto"): Limiter {
  return concurrency === "auto" ? new AdaptiveLimiter() : new FixedLimiter(concurrency);
}

/**
 * Spaces request starts evenly at 60/rpm seconds apart (a token bucket of depth one), so a
 * hosted API's per-minute quota is never exceeded in any window.
 */
export class RpmPacer {
  private next = 0;
  private readonly intervalMs: number;
  /** How many requests this pacer has let through (for tests and logs). */
  passed = 0;

  constructor(rpm: number) {
    this.intervalMs = 60_000 / rpm;
  }

  async take(signal?: AbortSignal): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + this.intervalMs;
    if (at > now) await sleep(at - now, signal);
    this.passed++;
  }
}

/** Sleeps, or rejects with LlmError("aborted") when the signal fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LlmError("aborted", "request aborted"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new LlmError("aborted", "request aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
