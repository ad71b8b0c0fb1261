/** The progress log line shows the spend against the budget; the budget's wording of it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeProgress } from "../src/pipeline/progress.js";
import { budgetSpent, describeSpend, parseModelPrice, type Budget } from "../src/pipeline/budget.js";
import { emptyLlmStats } from "../src/llm/index.js";

function statsFor(model: string, prompt: number, completion: number) {
  const s = emptyLlmStats();
  s.prompt_tokens = prompt;
  s.completion_tokens = completion;
  s.by_model[model] = { requests: 1, retries: 0, errors: 0, prompt_tokens: prompt, completion_tokens: completion, cached_prompt_tokens: 0 };
  return s;
}

test("the log progress line carries the spend so far when the run has a budget", () => {
  let written = "";
  const stream = { write: (t: string) => ((written += t), true), isTTY: false } as unknown as NodeJS.WriteStream;
  const budget: Budget = { maxCostUsd: 5, maxTokens: 3_000_000, prices: Object.fromEntries([parseModelPrice("my-model=0.5/2")]) };
  const llm = statsFor("my-model", 2_000_000, 500_000);
  const p = makeProgress("log", stream);
  // The budget's text stands in for the spend at built-in prices (which counts all sessions, not this one).
  p.update({ documents: 10, accepted: 20, requests: { inFlight: 4, limit: 8 }, tokens: 2_500_000, spend: 9.99, budget: describeSpend(budget, llm), elapsed: 6 });
  assert.match(written, /4\/8 requests in flight, \d+ tokens\/s, \$2\.0000 of \$5 spent, 2500000 of 3000000 tokens spent\n$/);
  assert.doesNotMatch(written, /\$9\.99/);
  assert.equal(budgetSpent(budget, llm), undefined);
  assert.match(budgetSpent({ ...budget, maxCostUsd: 2 }, llm)!, /^the budget is spent \(\$2\.0000 of --max-cost 2\)$/);
  assert.match(budgetSpent({ ...budget, maxTokens: 2_500_000 }, llm)!, /^the token budget is spent \(2500000 of --budget-tokens 2500000\)$/);
  // Without a budget: nothing to show.
  assert.equal(describeSpend({ prices: {} }, llm), undefined);
  assert.throws(() => parseModelPrice("my-model=cheap"), /--price takes MODEL=IN\/OUT/);
});
