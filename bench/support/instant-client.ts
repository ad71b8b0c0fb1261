/**
 * An LlmClient that answers at once, in process, with canned replies that pass every stage:
 * what remains is the pipeline's own cost (read, decompress, parse, prefilter, prompts,
 * records, writes). Replies are built from the schema name only (no regexes over the
 * document), and token counts are chars/4, so the "server" costs next to nothing.
 */
import type { LlmStats } from "../../src/records.js";
import type { CompleteRequest, CompleteResult, LlmClient } from "../../src/llm/types.js";
import { emptyLlmStats } from "../../src/llm/counters.js";
import type { z } from "zod";

const verdict = { correct: true, grounded: true, self_contained: true, leakage: false, reason: "stated in the document" };

function reply(schemaName: string, userText: string): unknown {
  switch (schemaName) {
    case "filter_verdict":
      return { qualified: true, reason: "informative" };
    case "identify_result":
      return { domain: "Other", personas: ["curious reader", "student", "practitioner"] };
    case "filter_identify_result":
      return { qualified: true, reason: "informative", domain: "Other", personas: ["curious reader", "student", "practitioner"] };
    case "generated_pair":
      return { question: "Which year does the opening sentence of this record give for the event it describes?", answer: "1990", answer_type: "number" };
    case "generated_pairs":
      return {
        pairs: ["curious reader", "student", "practitioner"].map((persona, i) => ({
          persona,
          question: `Which figure number ${i + 1} does this record give for the event it describes first?`,
          answer: String(1990 + i),
          answer_type: "number",
        })),
      };
    case "check_verdict":
      return verdict;
    case "check_verdicts":
      return { verdicts: [1, 2, 3].map((pair) => ({ pair, ...verdict })) };
    default:
      throw new Error(`instant client: no canned reply for ${schemaName} (${userText.length} chars)`);
  }
}

export function instantClient(maxConcurrency = 256): LlmClient & { requests: number } {
  const stats: LlmStats = emptyLlmStats();
  const client = {
    maxConcurrency,
    requests: 0,
    async complete<S extends z.ZodType>(req: CompleteRequest<S>): Promise<CompleteResult<z.infer<S>>> {
      client.requests++;
      const user = req.messages[req.messages.length - 1]!.content;
      const value = reply(req.schemaName, user);
      const prompt = req.messages.reduce((n, m) => n + (m.content.length >> 2), 0);
      stats.requests++;
      stats.prompt_tokens += prompt;
      stats.completion_tokens += 40;
      return { value: value as z.infer<S>, usage: { prompt_tokens: prompt, completion_tokens: 40, cached_prompt_tokens: 0 }, raw: "", model: "instant" };
    },
    stats: () => stats,
    modelFor: () => "instant",
    sample: () => Promise.reject(new Error("the instant client answers stage calls only, not sample()")),
    async close() {},
  };
  return client;
}
