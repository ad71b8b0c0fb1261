/**
 * The learnable band (`curate --pass-rate MIN-MAX`): GRPO learns only from prompts the policy
 * sometimes solves (a prompt solved 0 or K times out of K gives every sample the same reward
 * and no advantage), so curation keeps pairs whose measured pass rate (`webscale-rl rollout`)
 * lies in an inclusive band and rejects the rest as `difficulty.too_easy` / `too_hard`. A pair
 * the strongest model never solved is `difficulty.never_solved`: asked without its document,
 * it may not be answerable as written, which the verifier (who reads the document) cannot see.
 * A pair without a rollout by the model is `difficulty.not_measured`.
 */
import type { QaRecord, RolloutEntry } from "../records.js";
import { CurateConfigError } from "./options.js";

export interface DifficultyOptions extends PassRateBand {
  /** Whose pass rate decides (default: each record's first rollout entry: the first model rolled out). */
  model?: string;
  /** The model whose pass rate 0 marks a pair never solved (default: the highest mean pass rate over the inputs). */
  strongest?: string;
}

export type DifficultyCode = "too_easy" | "too_hard" | "never_solved" | "not_measured";

export interface DifficultyVerdict {
  code: DifficultyCode;
  detail: string;
  data: Record<string, unknown>;
}

/** Pass rates are k/K: a band edge of 0.1 must keep 1/10 whatever the float rounding. */
const EPS = 1e-9;

export interface PassRateBand {
  min: number;
  max: number;
}

/** "0.1-0.9" → { min: 0.1, max: 0.9 } (curate's --pass-rate, the report's --pass-rate-band). */
export function parsePassRateBand(spec: string, flag = "--pass-rate"): PassRateBand {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*-\s*([0-9]*\.?[0-9]+)\s*$/.exec(spec);
  const min = m ? Number(m[1]) : NaN;
  const max = m ? Number(m[2]) : NaN;
  if (!m || !(min >= 0 && max <= 1 && min <= max)) {
    throw new CurateConfigError(`${flag} "${spec}" is not a band MIN-MAX with 0 ≤ MIN ≤ MAX ≤ 1 (e.g. 0.1-0.9, both ends kept)`);
  }
  return { min, max };
}

/** The band is inclusive at both ends. */
export function inPassRateBand(p: number, band: PassRateBand): boolean {
  return p >= band.min - EPS && p <= band.max + EPS;
}

export function entryOf(rec: QaRecord, model: string | undefined): RolloutEntry | undefined {
  return model === undefined ? rec.rollout?.[0] : rec.rollout?.find((e) => e.model === model);
}

/** null: in the band, kept. */
export function judgeDifficulty(rec: QaRecord, d: DifficultyOptions): DifficultyVerdict | null {
  const e = entryOf(rec, d.model);
  if (!e) {
    const detail = d.model ? `no rollout by ${d.model}` : "no rollout: run `webscale-rl rollout` on it first";
    return { code: "not_measured", detail, data: d.model ? { model: d.model } : {} };
  }
  const p = e.pass_rate;
  if (inPassRateBand(p, d)) return null;
  const data = { pass_rate: p, model: e.model, band: [d.min, d.max] };
  const strong = d.strongest !== undefined ? entryOf(rec, d.strongest) : undefined;
  if (strong && strong.correct === 0) {
    return { code: "never_solved", detail: `${strong.model} never solved it in ${strong.samples} samples (answers: ${summarize(strong.answers)}): perhaps not answerable as written`, data: { ...data, strongest: strong.model } };
  }
  const where = `pass rate ${round(p)} under ${e.model} (${e.correct}/${e.samples})`;
  return p < d.min ? { code: "too_hard", detail: `${where} below ${d.min}`, data } : { code: "too_easy", detail: `${where} above ${d.max}`, data };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** The distinct answers, most frequent first: what the model said instead. */
function summarize(answers: string[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(a === "" ? "(none)" : a, (counts.get(a === "" ? "(none)" : a) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([a, n]) => `${JSON.stringify(a.length > 60 ? `${a.slice(0, 60)}…` : a)}×${n}`)
    .join(", ");
}

/** Mean pass rate per model over the pairs that have one; the strongest is the highest. */
export class PassRateMeans {
  private readonly sums = new Map<string, { pairs: number; sum: number }>();

  add(rec: QaRecord): void {
    for (const e of rec.rollout ?? []) {
      const s = this.sums.get(e.model) ?? { pairs: 0, sum: 0 };
      s.pairs++;
      s.sum += e.pass_rate;
      this.sums.set(e.model, s);
    }
  }

  means(): Record<string, { pairs: number; mean_pass_rate: number }> {
    return Object.fromEntries([...this.sums].map(([m, s]) => [m, { pairs: s.pairs, mean_pass_rate: round(s.sum / s.pairs) }]));
  }

  /** The model with the highest mean (ties: the one met first); undefined when no pair has a rollout. */
  strongest(): string | undefined {
    let best: string | undefined;
    let bestMean = -1;
    for (const [m, s] of this.sums) if (s.sum / s.pairs > bestMean) (best = m), (bestMean = s.sum / s.pairs);
    return best;
  }
}
