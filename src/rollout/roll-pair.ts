/**
 * One pair's rollouts: for every model, K samples of the question alone (no document) in the
 * policy prompt that export writes, each scored by the reward (rules, then the judge for what
 * they leave undecided). The pair's record comes back with one entry per model; entries of
 * other models from an earlier rollout are kept.
 */
import { policyMessages } from "../export/policy-prompt.js";
import { LlmError, type LlmClient, type TextSample } from "../llm/types.js";
import type { QaRecord, RolloutEntry } from "../records.js";
import type { RewardResult, Scorer } from "../reward/score.js";
import type { JudgeErrorKind } from "../reward/judge.js";
import { stageOf, type RolloutSettings } from "./settings.js";

/** The judge failed on a sample: the pair has no pass rate yet (a judge failure is no reward of 0). */
export class JudgeFailure extends Error {
  constructor(
    readonly kind: JudgeErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "JudgeFailure";
  }
}

export interface PairOutcome {
  record: QaRecord;
  /** The entries drawn now, by model. */
  entries: RolloutEntry[];
  /** Models whose prompt does not fit their context: the pair has no entry for them. */
  overflow: string[];
  /** HTTP requests that answered samples. */
  requests: number;
}

/** A model's entry from its samples and their rewards. */
export function rolloutEntry(model: string, samples: TextSample[], results: RewardResult[], s: RolloutSettings): RolloutEntry {
  const correct = results.filter((r) => r.score === 1).length;
  return {
    model,
    samples: samples.length,
    correct,
    pass_rate: correct / samples.length,
    undecided: results.filter((r) => r.verdict === "undecided").length,
    truncated: samples.filter((x) => x.truncated).length,
    answers: results.map((r) => r.extracted),
    verdicts: results.map((r) => r.verdict),
    temperature: s.temperature,
    max_tokens: s.maxTokens,
    ...(s.seed !== undefined ? { seed: s.seed } : {}),
    ...(s.keepOutputs ? { outputs: samples.map((x) => x.text) } : {}),
  };
}

/** Entries of `now` replace those of the same model in `before`, in place; new models are appended. */
export function mergeEntries(before: RolloutEntry[] | undefined, now: RolloutEntry[]): RolloutEntry[] {
  const out = [...(before ?? [])];
  for (const e of now) {
    const i = out.findIndex((x) => x.model === e.model);
    if (i >= 0) out[i] = e;
    else out.push(e);
  }
  return out;
}

export async function rollPair(rec: QaRecord, llm: LlmClient, scorer: Scorer, s: RolloutSettings, signal?: AbortSignal): Promise<PairOutcome> {
  const messages = policyMessages(s.prompt, rec.question);
  let requests = 0;
  const overflow: string[] = [];
  // The models draw side by side: a pair is done when the slowest is.
  const drawn = await Promise.all(
    s.models.map(async (model): Promise<RolloutEntry | undefined> => {
      let samples: TextSample[];
      try {
        const r = await llm.sample({ stage: stageOf(model), messages, n: s.samples, sampling: { temperature: s.temperature, max_tokens: s.maxTokens, seed: s.seed }, signal });
        samples = r.samples;
        requests += r.requests;
      } catch (err) {
        if (err instanceof LlmError && err.code === "context_length") return void overflow.push(model);
        throw err;
      }
      const results = await scorer.scoreBatch(
        samples.map((x) => ({ question: rec.question, groundTruth: rec.answer, aliases: rec.aliases, ordered: rec.ordered, response: x.text })),
      );
      const failed = results.find((r) => r.judge_error !== undefined);
      if (failed) throw new JudgeFailure(failed.judge_error_kind ?? "other", `the judge failed (${failed.judge_error_kind}): ${failed.judge_error}`);
      return rolloutEntry(model, samples, results, s);
    }),
  );
  const entries = drawn.filter((e): e is RolloutEntry => e !== undefined);
  const merged = mergeEntries(rec.rollout, entries);
  return { record: merged.length ? { ...rec, rollout: merged } : rec, entries, overflow, requests };
}
