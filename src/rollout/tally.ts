/**
 * A rollout's running figures, kept in its checkpoint so that they add up across resumes:
 * only pairs whose record was committed count, so a pair redone after a kill is counted once.
 * `summary()` is the `rollout` block of stats.json.
 */
import type { LlmStats, RolloutEntry } from "../records.js";
import { stageOf, type RolloutSettings } from "./settings.js";

export interface ModelTally {
  pairs: number;
  samples: number;
  correct: number;
  undecided: number;
  truncated: number;
  passRateSum: number;
  /** Pairs with pass rate 0 (never solved) and 1 (always solved): no GRPO advantage either way. */
  never: number;
  always: number;
  /** Pairs whose prompt did not fit this model's context (no entry). */
  overflow: number;
}

export interface TallyState {
  /** Records read from the inputs (good and bad lines). */
  read: number;
  /** Pair records written to qa/. */
  written: number;
  /** Input lines that were not valid pairs (written to rejected/). */
  bad: number;
  /** HTTP requests that answered samples. */
  requests: number;
  models: Record<string, ModelTally>;
}

export const emptyTally = (): TallyState => ({ read: 0, written: 0, bad: 0, requests: 0, models: {} });

const emptyModel = (): ModelTally => ({ pairs: 0, samples: 0, correct: 0, undecided: 0, truncated: 0, passRateSum: 0, never: 0, always: 0, overflow: 0 });

export class RolloutTally {
  readonly state: TallyState;

  constructor(restored?: TallyState) {
    this.state = restored ? structuredClone(restored) : emptyTally();
  }

  pair(entries: RolloutEntry[], overflow: string[], requests: number): void {
    const t = this.state;
    t.read++;
    t.written++;
    t.requests += requests;
    for (const e of entries) {
      const m = (t.models[e.model] ??= emptyModel());
      m.pairs++;
      m.samples += e.samples;
      m.correct += e.correct;
      m.undecided += e.undecided;
      m.truncated += e.truncated;
      m.passRateSum += e.pass_rate;
      if (e.correct === 0) m.never++;
      if (e.correct === e.samples) m.always++;
    }
    for (const model of overflow) (t.models[model] ??= emptyModel()).overflow++;
  }

  badLine(): void {
    this.state.read++;
    this.state.bad++;
  }

  get samples(): number {
    return Object.values(this.state.models).reduce((n, m) => n + m.samples, 0);
  }

  /** The `rollout` block of stats.json. `llm`: this rollout's own requests (all sessions). */
  summary(s: RolloutSettings, llm: LlmStats, wallSeconds: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const t = this.state;
    const samples = this.samples;
    const stages = s.models.map((m) => llm.by_stage[stageOf(m)]).filter((c) => c !== undefined);
    const promptTokens = stages.reduce((n, c) => n + c.prompt_tokens, 0);
    const completionTokens = stages.reduce((n, c) => n + c.completion_tokens, 0);
    const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
    const models: Record<string, unknown> = {};
    for (const model of s.models) {
      const m = t.models[model] ?? emptyModel();
      models[model] = {
        pairs: m.pairs,
        samples: m.samples,
        correct: m.correct,
        undecided: m.undecided,
        truncated: m.truncated,
        mean_pass_rate: m.pairs ? round(m.passRateSum / m.pairs) : null,
        never_solved: m.never,
        always_solved: m.always,
        context_overflow: m.overflow,
      };
    }
    return {
      pairs_read: t.read,
      pairs_written: t.written,
      bad_lines: t.bad,
      samples,
      sample_requests: t.requests,
      samples_per_request: t.requests ? round(samples / t.requests, 2) : null,
      samples_per_second: wallSeconds > 0 ? round(samples / wallSeconds, 2) : 0,
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      prompt_tokens_per_sample: samples ? round(promptTokens / samples, 1) : null,
      completion_tokens_per_sample: samples ? round(completionTokens / samples, 1) : null,
      wall_seconds: round(wallSeconds, 2),
      settings: { samples: s.samples, temperature: s.temperature, max_tokens: s.maxTokens, seed: s.seed ?? null, keep_outputs: s.keepOutputs, models: s.models },
      models,
      ...extra,
    };
  }
}
