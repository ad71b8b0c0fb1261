/**
 * `--concurrency auto`: an AIMD limiter that finds how many requests the server can run at
 * once without being told. It starts low and doubles-ish (slow start) while latency stays near
 * its floor, then grows additively; it cuts multiplicatively on 429/503, or when latency rises
 * well above the floor, which is what a server that queues (vLLM beyond its batch size) shows:
 * by Little's law, once requests in flight exceed what the server runs, latency grows in
 * proportion, and the ratio says by how much to cut. Tolerating some excess keeps a small
 * queue at the server, so it never idles.
 *
 * Latency is compared per completion token (decode dominates a request's time), so a change in
 * the mix of calls (short verdicts vs. long generations) is not mistaken for queueing. The
 * floor is the lowest per-round median over the last `floorRounds` rounds: a floor measured
 * under congestion never sticks, because congestion makes the limit fall until rounds run at
 * the true floor again.
 */
import type { Limiter, LimiterFeedback } from "./limiter.js";
import { fits, WaitQueue } from "./wait-queue.js";

export interface AdaptiveOptions {
  initial: number;
  min: number;
  max: number;
  /** Round median / floor above which the server is taken to be queueing. */
  tolerance: number;
  /** Multiplicative cut on queueing latency or 429/503. */
  backoff: number;
  /** Additive growth per round once out of slow start. */
  step: number;
  /** Growth factor per round in slow start (before the first congestion signal). */
  slowStartFactor: number;
  floorRounds: number;
  /** Latency excess under this many ms is never called queueing (an instant server's noise). */
  slackMs: number;
  now: () => number;
}

export const DEFAULT_ADAPTIVE: AdaptiveOptions = {
  initial: 8,
  min: 1,
  max: 1024,
  tolerance: 1.3,
  backoff: 0.85,
  step: 4,
  slowStartFactor: 2,
  floorRounds: 100,
  slackMs: 5,
  now: () => Date.now(),
};

export class AdaptiveLimiter implements Limiter {
  private readonly o: AdaptiveOptions;
  private cap: number;
  private inFlight = 0;
  private readonly waiting = new WaitQueue();
  private slowStart = true;
  /** Per-token latencies and denominators of the current round. */
  private samples: number[] = [];
  private denomSum = 0;
  /** Sequences behind the round's results: a round is counted in them (see onResult). */
  private seqsInRound = 0;
  private peakInRound = 0;
  private floors: number[] = [];
  private lastCut = -Infinity;
  private lastChange = -Infinity;
  /** Every decision, for tests and the benchmark's trace. */
  readonly history: { at: number; limit: number; why: string }[] = [];

  constructor(options: Partial<AdaptiveOptions> = {}) {
    this.o = { ...DEFAULT_ADAPTIVE, ...options };
    this.cap = Math.min(this.o.max, Math.max(this.o.min, this.o.initial));
  }

  get limit(): number {
    return Math.floor(this.cap);
  }

  get maxLimit(): number {
    return this.o.max;
  }

  get active(): number {
    return this.inFlight;
  }

  async acquire(signal?: AbortSignal, priority = 0, weight = 1): Promise<() => void> {
    if (this.waiting.length > 0 || !fits(this.inFlight, weight, this.limit)) await this.waiting.wait(priority, signal, weight);
    else this.inFlight += weight;
    this.peakInRound = Math.max(this.peakInRound, this.inFlight);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= weight;
      this.wake();
    };
  }

  onResult(outcome: "ok" | "overloaded" | "failed", info?: LimiterFeedback): void {
    if (outcome === "overloaded") {
      // One multiplicative cut per burst, and one slot less for every further refusal in it: the
      // refusals count the excess, so a server that suddenly takes a quarter of what it did
      // sheds the surplus in one burst, while a stray 503 costs little.
      if (this.inBurst()) return void (this.cap = Math.max(this.o.min, this.cap - 1));
      return this.cut("overloaded (429/503)");
    }
    if (outcome !== "ok" || !info) return;
    // Requests sent before the last change ran under the old limit: they say nothing about the
    // new one. Judging each limit only by its own requests keeps slow start from doubling again
    // before the latency of the last doubling is in (the overshoot that fills a server's queue).
    if (this.o.now() - info.latencyMs < this.lastChange) return;
    // +8: even a one-token reply has a fixed cost, and it keeps tiny replies from dominating.
    const denom = (info.completionTokens ?? 0) + 8;
    this.samples.push(info.latencyMs / denom);
    this.denomSum += denom;
    // The limit counts sequences, so a round does too: counted in requests, K-sample requests
    // (rollouts with `n`) would need K times as long to fill one, and slow start would crawl.
    this.seqsInRound += info.sequences ?? 1;
    // A round: half the limit's worth of sequences, at least 16 (or the whole limit, when smaller).
    if (this.seqsInRound >= Math.max(Math.min(16, this.limit), this.limit / 2)) this.endRound();
  }

  private endRound(): void {
    const sorted = this.samples.sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1]!;
    const meanDenom = this.denomSum / sorted.length;
    const peak = this.peakInRound;
    const usedFully = peak >= this.limit * 0.9;
    this.samples = [];
    this.denomSum = 0;
    this.seqsInRound = 0;
    this.peakInRound = this.inFlight;
    this.floors.push(median);
    if (this.floors.length > this.o.floorRounds) this.floors.shift();
    const floor = Math.min(...this.floors);
    const queueing = median > floor * this.o.tolerance && (median - floor) * meanDenom > this.o.slackMs;
    // Little's law: a server that queues stretches latency by in-flight ÷ what it runs, so
    // peak × floor ÷ median estimates what it runs. Cutting straight there (with a little
    // headroom, so it keeps a short queue and never idles) undoes a slow-start overshoot in
    // one or two rounds instead of a dozen multiplicative steps.
    if (queueing) return this.cut(`latency ${(median / floor).toFixed(2)}× floor`, ((peak * floor) / median) * (1 + this.o.tolerance) / 2);
    // Grow only when the limit was the bottleneck; an application with less demand keeps its cap.
    if (!usedFully) return;
    this.set(this.slowStart ? this.cap * this.o.slowStartFactor : this.cap + this.o.step, this.slowStart ? "slow start" : "additive increase");
  }

  /** Cuts by `backoff`, or further toward `target` (never below half in one step). */
  private cut(why: string, target = Infinity): void {
    // One cut per burst of bad news: results of requests sent before the last cut say nothing new.
    if (this.inBurst()) return;
    this.lastCut = this.o.now();
    this.slowStart = false;
    this.samples = [];
    this.denomSum = 0;
    this.seqsInRound = 0;
    this.set(Math.min(this.cap * this.o.backoff, Math.max(this.cap / 2, target)), why);
  }

  /** Within 250 ms of the last cut: the same burst of bad news. */
  private inBurst(): boolean {
    return this.o.now() - this.lastCut < 250;
  }

  private set(cap: number, why: string): void {
    this.cap = Math.min(this.o.max, Math.max(this.o.min, cap));
    this.lastChange = this.o.now();
    this.history.push({ at: this.o.now(), limit: this.limit, why });
    this.wake();
  }

  private wake(): void {
    for (let w = this.waiting.peekWeight(); w !== undefined && fits(this.inFlight, w, this.limit); w = this.waiting.peekWeight()) {
      this.inFlight += w;
      this.waiting.shift()!();
    }
  }
}
