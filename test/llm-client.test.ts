import { test } from "node:test";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import assert from "node:assert/strict";
import { z } from "zod";
import { createLlmClient, addLlmStats, emptyLlmStats, LlmError } from "../src/llm/index.js";
import { LlmConfig } from "../src/config/schema.js";
import { startFakeOpenAI } from "./support/fake-openai-server.js";
import { docMessages, llmConfig } from "./support/llm-config.js";

const Verdict = z.object({ keep: z.boolean(), reason: z.string() });
const DOC = "Water boils at 100 degrees Celsius at sea level. At higher altitudes it boils at a lower temperature.";

test("structured reply via json_schema, usage and stats booked per stage and model", async (t) => {
  const fake = await startFakeOpenAI();
  t.after(() => fake.close());
  const client = await createLlmClient(
    llmConfig(fake.url, { stages: { identify: { model: "small-model" } } }),
  );
  const a = await client.complete({ stage: "filter", messages: docMessages(DOC), schema: Verdict, schemaName: "filter_verdict" });
  assert.equal(a.value.keep, true);
  assert.equal(typeof a.value.reason, "string");
  assert.ok(DOC.includes(a.value.reason), "generic strings come from the document");
  assert.equal(a.model, "fake-model");
  assert.equal(fake.requests[0].mode, "json_schema");
  assert.equal(fake.requests[0].schemaName, "filter_verdict");
  assert.equal(fake.requests[0].document, DOC);
  assert.equal(a.usage.prompt_tokens, fake.requests[0].promptTokens);
  assert.equal(a.usage.completion_tokens, fake.requests[0].completionTokens);

  const b = await client.complete({ stage: "identify", messages: docMessages(DOC), schema: Verdict, schemaName: "filter_verdict" });
  assert.equal(b.model, "small-model");
  assert.equal(client.modelFor("identify"), "small-model");
  assert.equal(client.modelFor("generate"), "fake-model");

  const s = client.stats();
  assert.equal(s.requests, 2);
  assert.equal(s.retries, 0);
  assert.equal(s.prompt_tokens, a.usage.prompt_tokens + b.usage.prompt_tokens);
  assert.equal(s.by_stage.filter.requests, 1);
  assert.equal(s.by_stage.identify.completion_tokens, b.usage.completion_tokens);
  assert.equal(s.by_model["small-model"].requests, 1);
  assert.equal(s.by_model["fake-model"].requests, 1);
  assert.deepEqual(Object.keys(s.by_endpoint!), [fake.url]);
  for (const breakdown of [s.by_stage, s.by_model, s.by_endpoint!]) {
    const sum = Object.values(breakdown).reduce((n, c) => n + c.prompt_tokens, 0);
    assert.equal(sum, s.prompt_tokens);
  }
  // The snapshot is a copy.
  s.requests = 99;
  assert.equal(client.stats().requests, 2);
  await client.close();
});

test("handlers answer per schema name; replies are deterministic", async (t) => {
  const fake = await startFakeOpenAI({
    handlers: { filter_verdict: (ctx) => ({ keep: ctx.document!.includes("boils"), reason: `n=${ctx.messages.length}` }) },
  });
  t.after(() => fake.close());
  const client = await createLlmClient(llmConfig(fake.url));
  const r = await client.complete({ stage: "filter", messages: docMessages(DOC), schema: Verdict, schemaName: "filter_verdict" });
  assert.deepEqual(r.value, { keep: true, reason: "n=2" });
  const Other = z.object({ items: z.array(z.string()).min(1).max(3), n: z.number().int().min(1).max(3), kind: z.enum(["x", "y"]) });
  const x = await client.complete({ stage: "s", messages: docMessages(DOC), schema: Other, schemaName: "other" });
  const y = await client.complete({ stage: "s", messages: docMessages(DOC), schema: Other, schemaName: "other" });
  assert.deepEqual(x.value, y.value);
  assert.equal(x.raw, y.raw);
  assert.equal(x.value.kind, "x");
  assert.ok(x.value.items.length >= 1 && x.value.items.length <= 3);
});

test("structured: prompt always embeds the schema in the last user message", async (t) => {
  const fake = await startFakeOpenAI();
  t.after(() => fake.close());
  const client = await createLlmClient(llmConfig(fake.url, { defaults: { structured: "prompt" } }));
  const r = await client.complete({ stage: "check", messages: docMessages(DOC), schema: Verdict, schemaName: "check_verdict" });
  assert.equal(r.value.keep, true);
  assert.equal(fake.requests[0].mode, "prompt");
  assert.equal(fake.requests[0].schemaName, "check_verdict");
});

test("a refused response_format falls back to prompt mode and is remembered", async (t) => {
  const fake = await startFakeOpenAI({ rejectResponseFormat: true });
  t.after(() => fake.close());
  const logs: string[] = [];
  const client = await createLlmClient(llmConfig(fake.url), { log: (m) => logs.push(m) });
  const r1 = await client.complete({ stage: "filter", messages: docMessages(DOC), schema: Verdict, schemaName: "v" });
  const r2 = await client.complete({ stage: "check", messages: docMessages(DOC), schema: Verdict, schemaName: "v" });
  assert.deepEqual(r1.value, r2.value);
  assert.deepEqual(
    fake.requests.map((r) => [r.mode, r.status]),
    [["json_schema", 400], ["prompt", 200], ["prompt", 200]],
  );
  assert.ok(logs.some((l) => l.includes("refuses response_format")));
  const s = client.stats();
  assert.equal(s.requests, 3);
  assert.equal(s.retries, 1);
  assert.equal(s.errors, 0);
});

test("calls refused response_format side by side all fall back, each once, with one log line", async (t) => {
  // The refusals come back after the first one switched the endpoint to prompt mode: each
  // must still be resent (an endpoint's mode now is not the mode its request went out in).
  const fake = await startFakeOpenAI({ rejectResponseFormat: true });
  t.after(() => fake.close());
  const logs: string[] = [];
  const client = await createLlmClient(llmConfig(fake.url, { concurrency: 8 }), { log: (m) => logs.push(m) });
  const results = await Promise.all(Array.from({ length: 6 }, () => client.complete({ stage: "filter", messages: docMessages(DOC), schema: Verdict, schemaName: "v" })));
  assert.equal(results.length, 6);
  const refused = fake.requests.filter((r) => r.mode === "json_schema" && r.status === 400).length;
  assert.ok(refused >= 1);
  assert.equal(fake.requests.filter((r) => r.mode === "prompt" && r.status === 200).length, 6);
  assert.equal(fake.requests.length, 6 + refused, "each refused call resent once");
  assert.equal(client.stats().errors, 0);
  assert.equal(logs.filter((l) => l.includes("refuses response_format")).length, 1);
});

test("a one-off reject_response_format fault also falls back", async (t) => {
  const fake = await startFakeOpenAI();
  t.after(() => fake.close());
  fake.addFault({ kind: "reject_response_format" });
  const client = await createLlmClient(llmConfig(fake.url));
  const r = await client.complete({ stage: "filter", messages: docMessages(DOC), schema: Verdict, schemaName: "v" });
  assert.equal(r.value.keep, true);
  assert.deepEqual(fake.requests.map((x) => x.fault ?? x.mode), ["reject_response_format", "prompt"]);
});

test("model auto-discovery via /models; config errors say what to do", async (t) => {
  const fake = await startFakeOpenAI({ model: "served-model" });
  t.after(() => fake.close());
  const client = await createLlmClient(llmConfig(fake.url, { defaults: { model: undefined } }));
  assert.equal(client.modelFor("filter"), "served-model");
  const r = await client.complete({ stage: "filter", messages: docMessages(DOC), schema: Verdict, schemaName: "v" });
  assert.equal(r.model, "served-model");
  assert.equal(fake.requests.filter((x) => x.path === "/v1/models").length, 1);

  const saved = process.env.OPENAI_BASE_URL;
  delete process.env.OPENAI_BASE_URL;
  try {
    await assert.rejects(createLlmClient(LlmConfig.parse({ defaults: { model: "m" } })), (e: unknown) => {
      assert.ok(e instanceof LlmError);
      assert.equal(e.code, "config");
      assert.match(e.message, /--base-url/);
      assert.match(e.message, /OPENAI_BASE_URL/);
      return true;
    });
  } finally {
    if (saved !== undefined) process.env.OPENAI_BASE_URL = saved;
  }
  // An unreachable server without a model name: a config error that says so (--model would not help).
  const closed = await closedPort();
  await assert.rejects(
    createLlmClient(llmConfig(`http://127.0.0.1:${closed}/v1`, { defaults: { model: undefined }, timeoutMs: 2000 })),
    (e: unknown) => e instanceof LlmError && e.code === "config" && /connection refused/.test(e.message) && /--base-url/.test(e.message) && !/--model/.test(e.message),
  );
  await assert.rejects(createLlmClient(LlmConfig.parse({ engine: "batch" })), (e: unknown) => e instanceof LlmError && e.code === "config");
});

test("the API key never appears in errors, logs or stats", async (t) => {
  const secret = "sk-test-SECRET-0123456789abcdef";
  const fake = await startFakeOpenAI({ contextTokens: 10 });
  t.after(() => fake.close());
  const logs: string[] = [];
  const withCreds = fake.url.replace("http://", "http://user:pw-hidden@");
  const credErr = await createLlmClient(llmConfig(withCreds)).catch((e: unknown) => e);
  assert.ok(credErr instanceof LlmError && credErr.code === "config" && /--api-key/.test(credErr.message));
  assert.ok(!credErr.message.includes("pw-hidden"), credErr.message);
  const client = await createLlmClient(llmConfig(fake.url, { defaults: { apiKey: secret }, maxRetries: 1 }), {
    log: (m) => logs.push(m),
  });
  fake.addFault({ kind: "500" });
  const err = await client
    .complete({ stage: "filter", messages: docMessages(`${DOC} mentions ${secret}`), schema: Verdict, schemaName: "v" })
    .catch((e: unknown) => e);
  assert.ok(err instanceof LlmError);
  assert.equal(err.code, "context_length");
  const everything = JSON.stringify([err.message, err.details, logs, client.stats(), String(err.stack)]);
  assert.ok(!everything.includes(secret), everything);
  assert.ok(!everything.includes("pw-hidden"), everything);
  assert.ok(logs.length > 0, "the 500 was logged");
});

test("addLlmStats sums totals and every breakdown", () => {
  const a = { ...emptyLlmStats(), requests: 2, prompt_tokens: 10, by_stage: { f: { requests: 2, retries: 0, errors: 0, prompt_tokens: 10, completion_tokens: 0, cached_prompt_tokens: 0 } }, by_model: {} };
  const b = { ...emptyLlmStats(), requests: 1, prompt_tokens: 5, by_stage: { f: { requests: 1, retries: 1, errors: 0, prompt_tokens: 5, completion_tokens: 3, cached_prompt_tokens: 1 } }, by_model: {} };
  const sum = addLlmStats(a, b);
  assert.equal(sum.requests, 3);
  assert.equal(sum.prompt_tokens, 15);
  assert.deepEqual(sum.by_stage.f, { requests: 3, retries: 1, errors: 0, prompt_tokens: 15, completion_tokens: 3, cached_prompt_tokens: 1 });
  assert.equal(a.by_stage.f.requests, 2, "inputs unchanged");
  assert.deepEqual(addLlmStats(emptyLlmStats(), emptyLlmStats()), emptyLlmStats());
});

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
