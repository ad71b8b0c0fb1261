/**
 * Pass rates for the report (measured by `webscale-rl rollout`): a histogram per model, and for
 * each pair's first entry (the pass rate export writes) histograms per domain and per answer
 * type, with the share in the learnable band. Counts only: memory does not grow with the run.
 */
import type { QaRecord } from "../records.js";
import { inPassRateBand, type PassRateBand } from "../curate/difficulty.js";

/**
 * Bins, in order: exactly 0 and exactly 1 on their own (no GRPO advantage either way), the
 * rest in tenths: (0, 0.1), [0.1, 0.2) … [0.9, 1).
 */
export const PASS_RATE_BINS = ["0", "0–0.1", "0.1–0.2", "0.2–0.3", "0.3–0.4", "0.4–0.5", "0.5–0.6", "0.6–0.7", "0.7–0.8", "0.8–0.9", "0.9–1", "1"] as const;

const EPS = 1e-9;

export function passRateBin(p: number): number {
  if (p <= EPS) return 0;
  if (p >= 1 - EPS) return PASS_RATE_BINS.length - 1;
  return 1 + Math.min(9, Math.floor(p * 10 + EPS));
}

export type Band = PassRateBand;

/** Counts per bin, with the sums a table needs. */
export class RateTally {
  readonly bins = new Array<number>(PASS_RATE_BINS.length).fill(0);
  /** Of each bin, the pairs inside the band (a bin can straddle its edge). */
  readonly binsInBand = new Array<number>(PASS_RATE_BINS.length).fill(0);
  pairs = 0;
  sum = 0;
  inBand = 0;

  add(p: number, band: Band): void {
    const b = passRateBin(p);
    this.bins[b]!++;
    this.pairs++;
    this.sum += p;
    if (inPassRateBand(p, band)) this.inBand++, this.binsInBand[b]!++;
  }

  get mean(): number {
    return this.pairs ? this.sum / this.pairs : 0;
  }
  get never(): number {
    return this.bins[0]!;
  }
  get always(): number {
    return this.bins[PASS_RATE_BINS.length - 1]!;
  }
}

export class PassRateCollector {
  /** Per model, every entry. */
  readonly byModel = new Map<string, RateTally>();
  /** By each pair's first entry. */
  readonly byDomain = new Map<string, RateTally>();
  readonly byType = new Map<string, RateTally>();
  readonly first = new Map<string, number>();
  measured = 0;
  unmeasured = 0;

  constructor(readonly band: Band) {}

  add(rec: QaRecord): void {
    const entries = rec.rollout ?? [];
    if (entries.length === 0) return void this.unmeasured++;
    this.measured++;
    for (const e of entries) tally(this.byModel, e.model).add(e.pass_rate, this.band);
    const e = entries[0]!;
    this.first.set(e.model, (this.first.get(e.model) ?? 0) + 1);
    tally(this.byDomain, rec.domain).add(e.pass_rate, this.band);
    tally(this.byType, rec.answer_type).add(e.pass_rate, this.band);
  }
}

function tally(map: Map<string, RateTally>, key: string): RateTally {
  let t = map.get(key);
  if (!t) map.set(key, (t = new RateTally()));
  return t;
}
