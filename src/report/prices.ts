/**
 * Prices for the cost estimate: US dollars per million tokens. The built-in table covers
 * common hosted models at their published list prices (mid-2025); check your provider's
 * current prices, or pass your own with `--price in=..,out=..`.
 */
import type { LlmCounters } from "../records.js";

export interface Price {
  /** $ per 1M prompt tokens. */
  input: number;
  /** $ per 1M completion tokens. */
  output: number;
}

export const BUILTIN_PRICES: Record<string, Price> = {
  "gpt-4.1": { input: 2.0, output: 8.0 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "gpt-4o": { input: 2.5, output: 10.0 },
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-5": { input: 1.25, output: 10.0 },
  "gpt-5-mini": { input: 0.25, output: 2.0 },
  "gpt-5-nano": { input: 0.05, output: 0.4 },
  o3: { input: 2.0, output: 8.0 },
  "o4-mini": { input: 1.1, output: 4.4 },
};

/** Parses `in=2,out=8` (either order, both required) into a price. */
export function parsePrice(text: string): Price {
  const parts = Object.fromEntries(
    text.split(",").map((kv) => {
      const [k, v] = kv.split("=").map((s) => s.trim());
      return [k, Number(v)];
    }),
  );
  const input = parts.in;
  const output = parts.out;
  if (!Number.isFinite(input) || !Number.isFinite(output) || input < 0 || output < 0) {
    throw new Error(`--price must look like in=2,out=8 (dollars per million prompt/completion tokens), got "${text}"`);
  }
  return { input, output };
}

/** Looks a model up in the built-in table, also as `provider/name` or with a date suffix. */
export function builtinPrice(model: string): Price | undefined {
  const name = model.toLowerCase().split("/").pop() ?? "";
  if (BUILTIN_PRICES[name]) return BUILTIN_PRICES[name];
  const undated = name.replace(/-\d{4}-\d{2}-\d{2}$/, "");
  return BUILTIN_PRICES[undated];
}

export type PriceChoice = { kind: "flat"; price: Price; label: string } | { kind: "builtin-per-model" };

export interface CostLine {
  model: string;
  price?: Price;
  prompt_tokens: number;
  completion_tokens: number;
  dollars?: number;
}

export interface CostEstimate {
  lines: CostLine[];
  /** Undefined when some model has no price. */
  total?: number;
  perThousandAccepted?: number;
  basis: string;
  unpriced: string[];
}

/** Cost per model from the token counters; a flat price applies to every model. */
export function estimateCost(byModel: Record<string, LlmCounters>, accepted: number, choice: PriceChoice): CostEstimate {
  const lines: CostLine[] = [];
  const unpriced: string[] = [];
  for (const [model, c] of Object.entries(byModel)) {
    const price = choice.kind === "flat" ? choice.price : builtinPrice(model);
    const line: CostLine = { model, price, prompt_tokens: c.prompt_tokens, completion_tokens: c.completion_tokens };
    if (price) line.dollars = (c.prompt_tokens * price.input + c.completion_tokens * price.output) / 1e6;
    else unpriced.push(model);
    lines.push(line);
  }
  const total = unpriced.length === 0 && lines.length > 0 ? lines.reduce((s, l) => s + (l.dollars ?? 0), 0) : undefined;
  return {
    lines,
    total,
    perThousandAccepted: total !== undefined && accepted > 0 ? (total / accepted) * 1000 : undefined,
    basis: choice.kind === "flat" ? choice.label : "built-in list prices per model",
    unpriced,
  };
}
