/**
 * A spending limit for a run: `--max-cost USD` (priced per model) and `--budget-tokens N`.
 * The model layer's own counters are the spend (requests actually sent; cache hits cost
 * nothing). When the spend reaches a limit the run is stopped the way Ctrl-C stops it: no new
 * documents, the ones in flight finish and are committed, and the next run resumes.
 */
import type { LlmStats } from "../records.js";
import { builtinPrice, type Price } from "../report/prices.js";

export interface Budget {
  maxCostUsd?: number;
  maxTokens?: number;
  /** Model → price, from `--price MODEL=IN/OUT`; the built-in table fills in the rest. */
  prices: Record<string, Price>;
}

/** The budget flags as the commands that take them (`run`, `queue work`) receive them. */
export interface BudgetFlags {
  maxCost?: number;
  budgetTokens?: number;
  price?: string[];
}

export function budgetFromFlags(f: BudgetFlags): Budget {
  return { maxCostUsd: f.maxCost, maxTokens: f.budgetTokens, prices: Object.fromEntries((f.price ?? []).map(parseModelPrice)) };
}

export const hasBudget = (b: Budget): boolean => b.maxCostUsd !== undefined || b.maxTokens !== undefined;

/** Parses `MODEL=IN/OUT` (dollars per million prompt / completion tokens). */
export function parseModelPrice(spec: string): [string, Price] {
  const m = /^(.+)=([0-9.]+)\/([0-9.]+)$/.exec(spec.trim());
  const input = Number(m?.[2]);
  const output = Number(m?.[3]);
  if (!m || !Number.isFinite(input) || !Number.isFinite(output)) {
    throw new Error(`--price takes MODEL=IN/OUT in dollars per million prompt/completion tokens, e.g. gpt-4.1-mini=0.4/1.6 (got "${spec}")`);
  }
  return [m[1]!, { input, output }];
}

export function priceOf(budget: Budget, model: string): Price | undefined {
  return budget.prices[model] ?? builtinPrice(model);
}

/** Dollars spent so far by the models in `llm`; undefined when a model that spent has no price. */
export function spentUsd(budget: Budget, llm: LlmStats): number | undefined {
  let total = 0;
  for (const [model, c] of Object.entries(llm.by_model)) {
    if (c.prompt_tokens + c.completion_tokens === 0) continue;
    const p = priceOf(budget, model);
    if (!p) return undefined;
    total += (c.prompt_tokens * p.input + c.completion_tokens * p.output) / 1e6;
  }
  return total;
}

/** With --max-cost, every model the run will use needs a price: checked before any work. */
export function checkPrices(budget: Budget, models: string[]): void {
  if (budget.maxCostUsd === undefined) return;
  const missing = [...new Set(models)].filter((m) => !priceOf(budget, m));
  if (missing.length) throw new Error(`--max-cost needs a price for ${missing.join(", ")}: pass --price ${missing[0]}=IN/OUT (dollars per million prompt/completion tokens)`);
}

/** Why the budget is spent, or undefined while it is not. */
export function budgetSpent(budget: Budget, llm: LlmStats): string | undefined {
  const tokens = llm.prompt_tokens + llm.completion_tokens;
  if (budget.maxTokens !== undefined && tokens >= budget.maxTokens) return `the token budget is spent (${tokens} of --budget-tokens ${budget.maxTokens})`;
  const usd = budget.maxCostUsd === undefined ? undefined : spentUsd(budget, llm);
  if (budget.maxCostUsd !== undefined && usd !== undefined && usd >= budget.maxCostUsd) return `the budget is spent ($${usd.toFixed(4)} of --max-cost ${budget.maxCostUsd})`;
  return undefined;
}

/** The spend against the budget for the progress line; undefined without a budget. */
export function describeSpend(budget: Budget, llm: LlmStats): string | undefined {
  const parts: string[] = [];
  if (budget.maxCostUsd !== undefined) {
    const usd = spentUsd(budget, llm);
    if (usd !== undefined) parts.push(`$${usd.toFixed(4)} of $${budget.maxCostUsd} spent`);
  }
  if (budget.maxTokens !== undefined) parts.push(`${llm.prompt_tokens + llm.completion_tokens} of ${budget.maxTokens} tokens spent`);
  return parts.length ? parts.join(", ") : undefined;
}
