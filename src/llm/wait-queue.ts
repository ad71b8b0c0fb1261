/** The queue of requests waiting for a concurrency slot, shared by the fixed and adaptive limiters. */
import { LlmError } from "./types.js";

/**
 * Which waiting request gets the next free slot: later pipeline stages first. With arrival
 * order, a large document window sends every document's first call before anyone's second,
 * and nothing finishes (or is recorded) for a long time; serving check before generate before
 * identify before filter keeps documents flowing through to the output.
 */
export const STAGE_PRIORITY: Record<string, number> = { answerable: 5, answerable_all: 5, check: 4, check_all: 4, generate: 3, generate_all: 3, identify: 2, filter: 1, filter_identify: 1 };

export function stagePriority(stage: string): number {
  return STAGE_PRIORITY[stage] ?? 0;
}

/**
 * Waiting requests by priority, first come first served within one priority. Each carries a
 * weight: how many sequences it will run on the server (K for a request with `n` = K).
 */
export class WaitQueue {
  private readonly buckets = new Map<number, { wake: () => void; weight: number }[]>();
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(wake: () => void, priority: number, weight = 1): void {
    let b = this.buckets.get(priority);
    if (!b) this.buckets.set(priority, (b = []));
    b.push({ wake, weight });
    this.size++;
  }

  private best(): { wake: () => void; weight: number }[] | undefined {
    let best: number | undefined;
    for (const [p, b] of this.buckets) if (b.length > 0 && (best === undefined || p > best)) best = p;
    return best === undefined ? undefined : this.buckets.get(best);
  }

  /** The weight of the waiter `shift` would wake next, or undefined when none waits. */
  peekWeight(): number | undefined {
    return this.size === 0 ? undefined : this.best()![0]!.weight;
  }

  /** The next waiter: highest priority, oldest first. */
  shift(): (() => void) | undefined {
    if (this.size === 0) return undefined;
    this.size--;
    return this.best()!.shift()!.wake;
  }

  remove(wake: () => void): void {
    for (const b of this.buckets.values()) {
      const i = b.findIndex((e) => e.wake === wake);
      if (i >= 0) return void (b.splice(i, 1), this.size--);
    }
  }

  /** Waits in the queue until woken; rejects with LlmError("aborted") if the signal fires first. */
  wait(priority: number, signal?: AbortSignal, weight = 1): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        this.remove(wake);
        reject(new LlmError("aborted", "request aborted while waiting for a slot"));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.push(wake, priority, weight);
    });
  }
}

/**
 * Whether a request of `weight` sequences may start: it fits under the cap, or nothing else
 * runs (a request heavier than the whole cap runs alone rather than never).
 */
export function fits(inFlight: number, weight: number, limit: number): boolean {
  return inFlight === 0 || inFlight + weight <= limit;
}
