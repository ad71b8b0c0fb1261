/**
 * Makes a random-weight GGUF go through a whole plan. A model with random weights writes
 * gibberish, so its filter reply never closes and no document gets past the first stage; the
 * bench needs every stage's prompts to be sent and evaluated as in a real run. This client sits
 * in front of a real local engine and, for each request, narrows the reply schema to exactly the
 * reply the fake test server would give (test/support/fake-stage-handlers.ts): the engine turns
 * that schema into a grammar that admits only that JSON, so the model decodes it token by token.
 * The prompts, the sequences, the prefill and the token meter are the engine's own; only the
 * content of the replies is chosen.
 */
import { z } from "zod";
import type { CompleteRequest, CompleteResult, LlmClient, SampleRequest } from "../../src/llm/types.js";
import { jsonSchemaOf } from "../../src/llm/structured.js";
import { estimateTokens } from "../../src/util/tokens.js";
import { stageHandlers } from "../../test/support/fake-stage-handlers.js";

/** A zod schema that accepts `value` and nothing else (a grammar of constants). */
export function exactly(value: unknown): z.ZodType {
  if (value === null) return z.null();
  if (Array.isArray(value)) return value.length ? z.tuple(value.map(exactly) as [z.ZodType, ...z.ZodType[]]) : z.array(z.never()).max(0);
  if (typeof value === "object") return z.strictObject(Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, exactly(v)])));
  return z.literal(value as string | number | boolean);
}

function documentOf(user: string): string | undefined {
  const start = user.indexOf("<document>\n");
  const end = start >= 0 ? user.indexOf("\n</document>", start + 11) : -1;
  return end > start ? user.slice(start + 11, end) : undefined;
}

/**
 * `replyTokens`: the size of the replies as compact JSON in the project's token estimate (what a
 * real model would write for them), since the random model's completion count is not.
 */
export function scriptedClient(engine: LlmClient): LlmClient & { replyTokens: number } {
  const client = {
    replyTokens: 0,
    get maxConcurrency() {
      return engine.maxConcurrency;
    },
    stats: () => engine.stats(),
    modelFor: (stage: string) => engine.modelFor(stage),
    sample: (req: SampleRequest) => engine.sample(req),
    close: () => engine.close(),
    async complete<S extends z.ZodType>(req: CompleteRequest<S>): Promise<CompleteResult<z.infer<S>>> {
      const handler = stageHandlers[req.schemaName];
      if (!handler) throw new Error(`scripted replies: no reply for the schema ${req.schemaName}`);
      const users = req.messages.filter((m) => m.role === "user").map((m) => m.content);
      const reply = await handler({
        schemaName: req.schemaName,
        jsonSchema: jsonSchemaOf(req.schema),
        mode: "json_schema",
        messages: req.messages,
        userText: users.join("\n\n"),
        document: documentOf(users[0] ?? ""),
        body: {},
        index: 0,
      });
      // A random model spells the fixed reply in whatever pieces its grammar allows, often a
      // character at a time: the stage's max_tokens is sized for a real model's tokens, not for that.
      const room = 2 * JSON.stringify(reply).length + 64;
      const sampling = { ...req.sampling, max_tokens: Math.max(req.sampling?.max_tokens ?? 0, room) };
      client.replyTokens += estimateTokens(JSON.stringify(reply));
      const res = await engine.complete({ ...req, schema: exactly(reply), sampling });
      // The stage gets the reply checked against its own schema, as from any engine.
      return { ...res, value: req.schema.parse(res.value) };
    },
  };
  return client;
}
