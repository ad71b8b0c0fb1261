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

/** Waiting requests by priority, first come first served within one priority. */
export class WaitQueue {
  private readonly buckets = new Map<number, (() => void)[]>();
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(wake: () => void, priority: number): void {
    let b = this.buckets.get(priority);
    if (!b) this.buckets.set(priority, (b = []));
    b.push(wake);
    this.size++;
  }

  /** The next waiter: highest priority, oldest first. */
  shift(): (() => void) | undefined {
    if (this.size === 0) return undefined;
    let best: number | undefined;
    for (const [p, b] of this.buckets) if (b.length > 0 && (best === undefined || p > best)) best = p;
    this.size--;
    return this.buckets.get(best!)!.shift();
  }

  remove(wake: () => void): void {
    for (const b of this.buckets.values()) {
      const i = b.indexOf(wake);
      if (i >= 0) return void (b.splice(i, 1), this.size--);
    }
  }

  /** Waits in the queue until woken; rejects with LlmError("aborted") if the signal fires first. */
  wait(priority: number, signal?: AbortSignal): Promise<void> {
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
      this.push(wake, priority);
    });
  }
}
