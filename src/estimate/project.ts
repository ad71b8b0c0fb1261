/**
 * From the sample's cost per call (sample.ts), the document count (document-count.ts) and the
 * pass rates (funnel.ts) to the projection of a whole run: requests, prompt tokens (and what a
 * prefix cache serves of them), reply tokens and cost, per stage, per model and in total.
 *
 *   units              = documents × units per source record (sample: prefilter, windows, shard)
 *   calls of a stage   = units × calls per unit (funnel)
 *   requests           = calls × attempts per call (1, or a previous run's retries)
 *   prompt tokens      = requests × the sample's prompt tokens per call of the stage
 *   reply tokens       = requests × a previous run's reply tokens per request of the stage,
 *                        else the typical reply's (typical-replies.ts)
 *
 * Calls that carry several pairs or questions (check_all, answerable_all) grow with them: their
 * cached part (system message and document) stays, the rest and the reply scale with the items
 * per call the funnel leaves. Cost prices every prompt token at the input price, as the run's
 * --max-cost does: an upper bound where a provider bills cached input for less.
 */
import type { Price } from "../report/prices.js";
import { priceOf, type Budget } from "../pipeline/budget.js";
import type { RunConfig } from "../config/schema.js";
import { acceptedPerUnit, callsPerUnit, type Funnel } from "./funnel.js";
import type { InputCount } from "./document-count.js";
import type { Sample } from "./sample.js";
import { stageModel } from "./stage-models.js";

/** Stages whose prompt lists the pairs or questions of the call (after the cached prefix). */
const PROMPT_GROWS_WITH_ITEMS = new Set(["check_all", "answerable_all"]);

export interface StageProjection {
  model: string;
  calls_per_unit: number;
  items_per_call: number;
  requests: number;
  prompt_tokens: number;
  cached_prompt_tokens: number;
  completion_tokens: number;
  /** Where the reply size came from. */
  completion_from: "previous run" | "typical reply";
}

export interface ModelProjection {
  stages: string[];
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** Dollars per million prompt / completion tokens; null when the model has no price. */
  price: Price | null;
  cost_usd: number | null;
}

export interface Projection {
  plan: "paper" | "efficient";
  documents: number;
  /** How `documents` was found: every input counted, or some extrapolated from their size. */
  documents_how: "counted" | "extrapolated";
  inputs: InputCount[];
  /** Documents and windows that reach the model stages. */
  units: number;
  requests: number;
  prompt_tokens: number;
  cached_prompt_tokens: number;
  uncached_prompt_tokens: number;
  completion_tokens: number;
  pairs: number;
  /** null when a model of the plan has no price (`unpriced` names them). */
  cost_usd: number | null;
  unpriced: string[];
  stages: Record<string, StageProjection>;
  models: Record<string, ModelProjection>;
  sample: { documents: number; units: number; rejected: Record<string, number> };
  assumptions: Funnel & { limit?: number };
}

const round = (n: number) => Math.round(n);

export function project(config: RunConfig, inputs: InputCount[], sample: Sample, funnel: Funnel, budget: Budget): Projection {
  const counted = inputs.reduce((n, i) => n + i.documents, 0);
  const documents = Math.min(counted, config.limit ?? Infinity);
  // Every document was in the sample: its units are known, not scaled.
  const units = sample.records >= documents ? sample.units : sample.records > 0 ? (documents * sample.units) / sample.records : 0;
  const perUnit = callsPerUnit(config.plan, funnel);

  const stages: Record<string, StageProjection> = {};
  for (const [stage, { calls, items }] of Object.entries(perUnit)) {
    const s = sample.stages[stage]!;
    const requests = units * calls * (funnel.attempts_per_call[stage] ?? 1);
    const perCall = (v: number) => (s.calls > 0 ? v / s.calls : 0);
    const sampleItems = perCall(s.items) || 1;
    const cached = perCall(s.cached_prompt_tokens);
    const tail = perCall(s.prompt_tokens) - cached;
    const prompt = PROMPT_GROWS_WITH_ITEMS.has(stage) ? cached + (tail * items) / sampleItems : perCall(s.prompt_tokens);
    const measured = funnel.completion_per_request[stage];
    const completion = measured ?? (perCall(s.completion_tokens) * items) / sampleItems;
    stages[stage] = {
      model: stageModel(config, stage),
      calls_per_unit: calls,
      items_per_call: items,
      requests: round(requests),
      prompt_tokens: round(requests * prompt),
      cached_prompt_tokens: round(requests * Math.min(cached, prompt)),
      completion_tokens: round(requests * completion),
      completion_from: measured === undefined ? "typical reply" : "previous run",
    };
  }

  // A system message is served from the cache on every call but the run's first, which prefills it.
  for (const { stage, tokens } of sample.system_tokens) {
    const s = stages[stage];
    if (s && s.requests > 0) s.cached_prompt_tokens = Math.max(0, s.cached_prompt_tokens - tokens);
  }
  const sum = (k: "requests" | "prompt_tokens" | "cached_prompt_tokens" | "completion_tokens") => Object.values(stages).reduce((n, s) => n + s[k], 0);
  const prompt = sum("prompt_tokens");
  const cachedTotal = sum("cached_prompt_tokens");

  const models: Record<string, ModelProjection> = {};
  for (const [stage, s] of Object.entries(stages)) {
    const m = (models[s.model] ??= { stages: [], requests: 0, prompt_tokens: 0, completion_tokens: 0, price: null, cost_usd: null });
    m.stages.push(stage);
    m.requests += s.requests;
    m.prompt_tokens += s.prompt_tokens;
    m.completion_tokens += s.completion_tokens;
  }
  const unpriced: string[] = [];
  for (const [name, m] of Object.entries(models)) {
    const price = priceOf(budget, name);
    m.price = price ?? null;
    if (price) m.cost_usd = (m.prompt_tokens * price.input + m.completion_tokens * price.output) / 1e6;
    else if (m.requests > 0) unpriced.push(name);
  }
  const cost = unpriced.length ? null : Object.values(models).reduce((n, m) => n + (m.cost_usd ?? 0), 0);

  return {
    plan: config.plan,
    documents,
    documents_how: inputs.every((i) => i.how !== "extrapolated") ? "counted" : "extrapolated",
    inputs,
    units: round(units),
    requests: sum("requests"),
    prompt_tokens: prompt,
    cached_prompt_tokens: cachedTotal,
    uncached_prompt_tokens: prompt - cachedTotal,
    completion_tokens: sum("completion_tokens"),
    pairs: round(units * acceptedPerUnit(funnel)),
    cost_usd: cost,
    unpriced,
    stages,
    models,
    sample: { documents: sample.records, units: sample.units, rejected: sample.rejected },
    assumptions: { ...funnel, ...(config.limit !== undefined ? { limit: config.limit } : {}) },
  };
}
