/**
 * scoreResponse: extraction, then the rule cascade, then (for undecided pairs only, when a judge
 * is configured) the LLM judge. `Scorer` keeps the caches and counters a server needs.
 */
import { extractAnswer, type ExtractionForm } from "./extract.js";
import { JudgeError, type Judge, type JudgeErrorKind } from "./judge.js";
import { LatencyWindow } from "./latency.js";
import { Lru } from "./lru.js";
import type { Decision } from "./numbers.js";
import { Prepared } from "./prepared.js";
import { compareAll, Facts, resolveRuleOptions, type RuleName, type RuleOptions } from "./rules.js";

export interface RewardInput {
  question?: string;
  /** The ground truth; " | " separates several accepted forms ("Onion | Onions"). */
  groundTruth: string;
  /** More accepted forms of the ground truth. */
  aliases?: string[];
  /** The policy's full output; the final answer is extracted from it. */
  response: string;
  /**
   * For list answers: the record's flag that the order of the items is part of the answer. When
   * absent, order words in the question decide ("In what order…", "Rank…").
   */
  ordered?: boolean;
}

export type DecidedBy = RuleName | "alias" | "judge" | "none";

export interface RewardResult {
  score: 0 | 1;
  verdict: Decision;
  /** The rule that decided, "alias" (matched an alternative form), "judge", or "none" (undecided). */
  decided_by: DecidedBy;
  /** The rule behind the verdict (for "alias": the rule that matched the alias; for "none": the rule that gave up). */
  rule: RuleName;
  extracted: string;
  extraction: ExtractionForm;
  /** The accepted form that matched. */
  matched?: string;
  f1?: number;
  /** The judge answered from its cache or a shared in-flight call. */
  cached?: boolean;
  /**
   * Why the judge could not decide. The score is then 0 but is no reward: the server answers
   * such a request with an error, and `reward score` exits non-zero.
   */
  judge_error?: string;
  judge_error_kind?: JudgeErrorKind;
}

/** A rules-only result plus what the judge needs (dropped from public results). */
export type RuleResult = RewardResult & { normalized: string; forms: string[] };

function publicResult(r: RuleResult): RewardResult {
  const { normalized: _n, forms: _f, ...pub } = r;
  return pub;
}

export interface ScoreOptions extends RuleOptions {
  /** The judge for undecided pairs; without it undecided scores 0 with decided_by "none". */
  judge?: Judge;
}

/** The accepted forms of a ground truth: its " | "-separated parts, then the aliases, deduplicated. */
export function acceptedForms(groundTruth: string, aliases: readonly string[] = []): string[] {
  // Most truths are one form: no split, no set.
  if (aliases.length === 0 && !groundTruth.includes(" | ")) {
    const t = groundTruth.trim();
    return t === "" ? [] : [t];
  }
  const out: string[] = [];
  const seen = new Set<string>();
  for (const f of [...groundTruth.split(" | "), ...aliases]) {
    const t = f.trim();
    if (t !== "" && !seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  }
  return out;
}

export interface ScorerCounters {
  scored: number;
  /** Items left without a reward because the judge failed. */
  judge_failed: number;
  decided_by: Record<string, number>;
  verdicts: Record<Decision, number>;
  extraction: Record<string, number>;
}

export class Scorer {
  private readonly rules: ReturnType<typeof resolveRuleOptions>;
  // Many rollouts share a ground truth: parse its forms once.
  private readonly truths = new Lru<string, { forms: string[]; prepared: Prepared[] }>(4096);
  readonly counters: ScorerCounters = { scored: 0, judge_failed: 0, decided_by: {}, verdicts: { match: 0, mismatch: 0, undecided: 0 }, extraction: {} };
  readonly latency = new LatencyWindow();

  constructor(readonly opts: ScoreOptions = {}) {
    this.rules = resolveRuleOptions(opts);
  }

  private truth(groundTruth: string, aliases?: string[]) {
    const key = aliases && aliases.length ? `${groundTruth}\u0000${aliases.join("\u0001")}` : groundTruth;
    let t = this.truths.get(key);
    if (!t) {
      const forms = acceptedForms(groundTruth, aliases);
      t = { forms, prepared: forms.map((f) => new Prepared(f)) };
      this.truths.set(key, t);
    }
    return t;
  }

  /** The rules alone: synchronous; an undecided result has decided_by "none". */
  scoreRules(input: RewardInput): RuleResult {
    const { forms, prepared } = this.truth(input.groundTruth, input.aliases);
    const ex = extractAnswer(input.response);
    const resp = new Prepared(ex.text);
    const out = compareAll(prepared, resp, this.rules, new Facts(this.rules.relTol, input.question, input.ordered));
    const decided_by: DecidedBy = out.verdict === "undecided" ? "none" : out.verdict === "match" && out.form > 0 ? "alias" : out.rule;
    const result: RuleResult = {
      score: out.verdict === "match" ? 1 : 0,
      verdict: out.verdict,
      decided_by,
      rule: out.rule,
      extracted: ex.text,
      extraction: ex.form,
      normalized: resp.norm,
      forms,
    };
    if (out.verdict === "match") result.matched = forms[out.form];
    if (out.f1 !== undefined) result.f1 = Math.round(out.f1 * 1000) / 1000;
    return result;
  }

  /** Rules, then the judge for undecided pairs. Never throws for a judge failure: the result carries judge_error (and is no reward). */
  async score(input: RewardInput): Promise<RewardResult> {
    const t0 = performance.now();
    const r = this.scoreRules(input);
    const final = r.verdict === "undecided" && this.opts.judge ? await this.judged(input, r) : publicResult(r);
    this.count(final, performance.now() - t0);
    return final;
  }

  /** A batch: the rules run synchronously for all items; only undecided ones wait for the judge. */
  async scoreBatch(items: RewardInput[]): Promise<RewardResult[]> {
    const t0 = performance.now();
    const out = new Array<RewardResult>(items.length);
    const waits: Promise<void>[] = [];
    for (let i = 0; i < items.length; i++) {
      const r = this.scoreRules(items[i]);
      if (r.verdict === "undecided" && this.opts.judge) {
        waits.push(
          this.judged(items[i], r).then((j) => {
            out[i] = j;
            this.count(j, performance.now() - t0);
          }),
        );
      } else {
        out[i] = publicResult(r);
        this.count(out[i], (performance.now() - t0) / (i + 1));
      }
    }
    if (waits.length) await Promise.all(waits);
    return out;
  }

  private async judged(input: RewardInput, r: RuleResult): Promise<RewardResult> {
    const base = publicResult(r);
    try {
      const a = await this.opts.judge!.judge({ question: input.question, forms: r.forms, response: r.extracted, normalized: r.normalized });
      return { ...base, verdict: a.equivalent ? "match" : "mismatch", score: a.equivalent ? 1 : 0, decided_by: "judge", cached: a.cached };
    } catch (err) {
      return { ...base, judge_error: err instanceof Error ? err.message : String(err), judge_error_kind: err instanceof JudgeError ? err.kind : "other" };
    }
  }

  private count(r: RewardResult, ms: number): void {
    const c = this.counters;
    c.scored++;
    if (r.judge_error) c.judge_failed++;
    c.decided_by[r.decided_by] = (c.decided_by[r.decided_by] ?? 0) + 1;
    c.verdicts[r.verdict]++;
    c.extraction[r.extraction] = (c.extraction[r.extraction] ?? 0) + 1;
    this.latency.add(ms);
  }

  stats() {
    return { ...this.counters, judge: this.opts.judge?.counts() ?? null, latency: this.latency.percentiles() };
  }
}

/** One-off scoring. Pass the same `judge` across calls to share its cache. */
export function scoreResponse(input: RewardInput, opts: ScoreOptions = {}): Promise<RewardResult> {
  return new Scorer(opts).score(input);
}

/** One-off rules-only scoring (synchronous). */
export function scoreByRules(input: RewardInput, opts: RuleOptions = {}): RewardResult {
  return publicResult(new Scorer(opts).scoreRules(input));
}
