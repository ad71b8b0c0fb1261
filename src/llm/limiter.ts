/**
 * Admission control for model requests: a cap on requests in flight and an optional
 * requests-per-minute pacer. The engine talks to the `Limiter` interface only, so an adaptive
 * (AIMD) limiter can replace the fixed one without touching the engine.
 */
import { LlmError } from "./types.js";
import { AdaptiveLimiter } from "./adaptive-limiter.js";
import { fits, WaitQueue } from "./wait-queue.js";

/** What an adaptive limiter learns from a finished request. */
export interface LimiterFeedback {
  /** From sending the request to its reply. */
  latencyMs: number;
  completionTokens?: number;
  /** Sequences the request ran (K for K samples with `n`; default 1). */
  sequences?: number;
}

export interface Limiter {
  /**
   * Waits for room (higher `priority` first); call the returned function exactly once when the
   * request is done. `weight`: the sequences the request runs on the server (default 1; K for
   * a request that asks for K samples with `n`), so the cap counts what the server runs.
   */
  acquire(signal?: AbortSignal, priority?: number, weight?: number): Promise<() => void>;
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

  /** Sequences holding room now (the progress display shows it against the cap). */
  get active(): number {
    return this.inFlight;
  }

  async acquire(signal?: AbortSignal, priority = 0, weight = 1): Promise<() => void> {
    // While anyone waits, newcomers queue too: a heavy waiter is not starved by light ones.
    if (this.waiting.length > 0 || !fits(this.inFlight, weight, this.limit)) await this.waiting.wait(priority, signal, weight);
    else this.inFlight += weight;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= weight;
      this.wake();
    };
  }

  /** Hands the freed room to waiters in order (their weight is counted before they wake, so it is never overshot). */
  private wake(): void {
    for (let w = this.waiting.peekWeight(); w !== undefined && fits(this.inFlight, w, this.limit); w = this.waiting.peekWeight()) {
      this.inFlight += w;
      this.waiting.shift()!();
    }
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
