/**
 * A model client that tells its owner when the run's budget is spent, checked after every
 * answered call (not on a timer, so the overshoot is bounded by the calls already in flight,
 * not by how busy the machine is).
 */
import type { z } from "zod";
import type { LlmClient, CompleteRequest, CompleteResult, SampleRequest, SampleResult } from "../llm/types.js";
import type { LlmStats } from "../records.js";
import { budgetSpent, hasBudget, type Budget } from "./budget.js";

/**
 * `spend` is what counts against the budget: this client's own counters by default; a queue
 * worker passes the sum over the clients of every run it serves (its session's spend).
 */
export function withBudget(inner: LlmClient, budget: Budget, onSpent: (why: string) => void, spend: () => LlmStats = () => inner.stats()): LlmClient {
  if (!hasBudget(budget)) return inner;
  let fired = false;
  // Failed calls spend tokens too (invalid replies are paid for).
  const check = () => {
    if (fired) return;
    const why = budgetSpent(budget, spend());
    if (why) (fired = true), onSpent(why);
  };
  return {
    // Read through, as withSignal does: `load` feeds the progress display (requests in flight).
    get maxConcurrency() {
      return inner.maxConcurrency;
    },
    load: inner.load ? () => inner.load!() : undefined,
    modelFor: (stage) => inner.modelFor(stage),
    stats: () => inner.stats(),
    close: () => inner.close(),
    async complete<S extends z.ZodType>(req: CompleteRequest<S>): Promise<CompleteResult<z.infer<S>>> {
      try {
        return await inner.complete(req);
      } finally {
        check();
      }
    },
    async sample(req: SampleRequest): Promise<SampleResult> {
      try {
        return await inner.sample(req);
      } finally {
        check();
      }
    },
  };
}
