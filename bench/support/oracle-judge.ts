/**
 * An in-process judge client for the quality bench: it answers `judge_verdict` from the labelled
 * set itself (the label of the response with that question and normalised answer), so what the
 * bench counts is how many calls the rules leave to a judge, not a model's accuracy.
 */
import type { z } from "zod";
import type { LlmStats } from "../../src/records.js";
import type { CompleteRequest, CompleteResult, LlmClient } from "../../src/llm/types.js";
import { emptyLlmStats } from "../../src/llm/counters.js";

export function oracleJudgeClient(labelOf: (question: string, response: string) => boolean | undefined): LlmClient {
  const stats: LlmStats = emptyLlmStats();
  return {
    maxConcurrency: 64,
    async complete<S extends z.ZodType>(req: CompleteRequest<S>): Promise<CompleteResult<z.infer<S>>> {
      const user = req.messages[req.messages.length - 1]!.content;
      const question = /^Question: (.*)$/m.exec(user)?.[1] ?? "";
      const response = /^Response: (.*)$/m.exec(user)?.[1] ?? "";
      const right = labelOf(question, response);
      if (right === undefined) throw new Error(`oracle judge: no label for ${JSON.stringify(response)} to ${JSON.stringify(question)}`);
      stats.requests++;
      return { value: { equivalent: right } as z.infer<S>, usage: { prompt_tokens: 0, completion_tokens: 0, cached_prompt_tokens: 0 }, raw: "", model: "oracle" };
    },
    stats: () => stats,
    modelFor: () => "oracle",
    sample: () => Promise.reject(new Error("the oracle judge answers stage calls only, not sample()")),
    async close() {},
  };
}
