/**
 * The `cache` section of stats.json: what the response cache saved this run, from the model
 * layer's counters, priced per model with the built-in list prices where the model has one.
 */
import type { LlmStats, Stats } from "../records.js";
import { builtinPrice } from "../report/prices.js";

export function cacheSummary(llm: LlmStats): NonNullable<Stats["cache"]> {
  const out: NonNullable<Stats["cache"]> = {
    hits: llm.cache_hits ?? 0,
    saved_prompt_tokens: llm.cache_saved_prompt_tokens ?? 0,
    saved_completion_tokens: llm.cache_saved_completion_tokens ?? 0,
  };
  let cost = 0;
  const unpriced: string[] = [];
  for (const [model, c] of Object.entries(llm.by_model)) {
    if (!c.cache_hits) continue;
    const price = builtinPrice(model);
    if (!price) unpriced.push(model);
    else cost += ((c.cache_saved_prompt_tokens ?? 0) * price.input + (c.cache_saved_completion_tokens ?? 0) * price.output) / 1e6;
  }
  if (unpriced.length) out.unpriced = unpriced;
  else out.saved_cost_usd = Math.round(cost * 1e6) / 1e6;
  return out;
}
