import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { createOpenAIClient } from "../src/llm/openai-engine.js";
import { LlmError } from "../src/llm/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "./support/fake-openai-server.js";
import { docMessages, llmConfig } from "./support/llm-config.js";

const Pair = z.object({ question: z.string(), answer: z.string() });
const DOC = "The Amazon river is about 6400 km long. It flows through Brazil, Peru and Colombia.";
const FAST = { backoff: { baseMs: 5, capMs: 20 } };

async function setup(t: { after: (fn: () => Promise<void>) => void }, extra: Record<string, unknown> = {}) {
  const fake = await startFakeOpenAI();
  t.after(() => fake.close());
  const logs: string[] = [];
  const client = await createOpenAIClient(llmConfig(fake.url, extra), { ...FAST, log: (m) => logs.push(m) });
  const ask = () => client.complete({ stage: "generate", messages: docMessages(DOC), schema: Pair, schemaName: "qa_pair" });
  return { fake, client, ask, logs };
}

const statuses = (fake: FakeOpenAI) => fake.requests.map((r) => r.status);

test("429 with retry-after-ms is retried and counted", async (t) => {
  const { fake, client, ask } = await setup(t);
  fake.addFault({ kind: "429", times: 2, retryAfterMs: 10 });
  const r = await ask();
  assert.equal(typeof r.value.answer, "string");
  assert.deepEqual(statuses(fake), [429, 429, 200]);
  const s = client.stats();
  assert.equal(s.requests, 3);
  assert.equal(s.retries, 2);
  assert.equal(s.errors, 0);
  assert.equal(s.by_stage.generate.retries, 2);
});

test("429 with retry-after in seconds is honoured", async (t) => {
  const { fake, ask, logs } = await setup(t);
  fake.addFault({ kind: "429", retryAfterSeconds: 1 });
  await ask();
  assert.deepEqual(statuses(fake), [429, 200]);
  assert.ok(logs.some((l) => /in 1000 ms/.test(l)), logs.join("\n"));
});

test("500 and 503 are retried; exhausting retries gives LlmError http", async (t) => {
  const { fake, client, ask } = await setup(t, { maxRetries: 2 });
  fake.addFault({ kind: "500" });
  fake.addFault({ kind: "503" });
  await ask();
  assert.deepEqual(statuses(fake), [500, 503, 200]);
  fake.addFault({ kind: "503", times: Infinity });
  const err = await ask().catch((e: unknown) => e);
  assert.ok(err instanceof LlmError);
  assert.equal(err.code, "http");
  assert.equal(err.details.status, 503);
  assert.equal(fake.requests.length, 3 + 3, "one request plus maxRetries=2 retries");
  const s = client.stats();
  assert.equal(s.errors, 1);
  assert.equal(s.retries, 4);
});

test("a hang past the timeout is retried; only hangs gives LlmError timeout", async (t) => {
  const { fake, client, ask } = await setup(t, { timeoutMs: 300, maxRetries: 1 });
  fake.addFault({ kind: "hang" });
  const r = await ask();
  assert.equal(typeof r.value.question, "string");
  assert.deepEqual(statuses(fake), [0, 200]);
  fake.addFault({ kind: "hang", times: 2 });
  const err = await ask().catch((e: unknown) => e);
  assert.ok(err instanceof LlmError);
  assert.equal(err.code, "timeout");
  assert.equal(client.stats().errors, 1);
});

test("a connection reset mid-body is retried", async (t) => {
  const { fake, client, ask } = await setup(t);
  fake.addFault({ kind: "reset" });
  await ask();
  assert.deepEqual(fake.requests.map((r) => r.fault ?? "ok"), ["reset", "ok"]);
  assert.equal(client.stats().retries, 1);
});

test("truncated JSON is repaired without another request", async (t) => {
  const { fake, ask } = await setup(t);
  fake.setHandler("qa_pair", () => ({ question: "How long is the Amazon river in kilometres?", answer: "6400 km", note: "x".repeat(300) }));
  fake.addFault({ kind: "truncated_json" });
  const r = await ask();
  assert.equal(r.value.question, "How long is the Amazon river in kilometres?");
  assert.equal(r.value.answer, "6400 km");
  assert.equal(fake.requests.length, 1);
  assert.ok(!r.raw.trim().endsWith("}"), "raw keeps the reply as written");
});

test("replies in fences, after prose, with trailing commas or reasoning blocks parse", async (t) => {
  const { fake, ask } = await setup(t);
  fake.setHandler("qa_pair", () => ({ question: "Q?", answer: "A" }));
  const r = await ask();
  assert.deepEqual(r.value, { question: "Q?", answer: "A" });
  const { parseReply } = await import("../src/llm/structured.js");
  const messy = 'Sure, here it is:\n```json\n{"question": "Where?", "answer": "Peru",}\n```\nHope this helps.';
  assert.deepEqual(parseReply(messy, Pair), { ok: true, value: { question: "Where?", answer: "Peru" }, repaired: true });
  const thinking = '<think>maybe {"question": 1}</think>{"question": "W", "answer": "B"}';
  assert.deepEqual(parseReply(thinking, Pair), { ok: true, value: { question: "W", answer: "B" }, repaired: false });
});

test("a malformed reply gets one corrective retry that names the problem", async (t) => {
  const { fake, client, ask } = await setup(t);
  let lastMessages: { role: string; content: string }[] = [];
  fake.setHandler("qa_pair", (ctx) => {
    lastMessages = ctx.messages;
    return { question: "How long is the Amazon?", answer: "6400 km" };
  });
  fake.addFault({ kind: "malformed" });
  const r = await ask();
  assert.equal(r.value.answer, "6400 km");
  assert.equal(fake.requests.length, 2);
  assert.equal(lastMessages.at(-2)?.role, "assistant");
  assert.match(lastMessages.at(-2)!.content, /^Sure!/);
  assert.match(lastMessages.at(-1)!.content, /could not be used/);
  assert.equal(client.stats().retries, 1);
});

test("a reply that never validates ends in invalid_output with the raw text kept", async (t) => {
  const { fake, client, ask } = await setup(t);
  fake.setHandler("qa_pair", () => ({ question: 42 }));
  const err = await ask().catch((e: unknown) => e);
  assert.ok(err instanceof LlmError);
  assert.equal(err.code, "invalid_output");
  assert.equal(err.details.raw, '{"question":42}');
  assert.equal(err.details.stage, "generate");
  assert.match(err.message, /answer/);
  assert.equal(fake.requests.length, 2, "exactly one corrective retry");
  const s = client.stats();
  assert.equal(s.errors, 1);
  assert.ok(s.completion_tokens > 0, "tokens of invalid replies are still counted");
});

test("context length errors fail at once, without retries", async (t) => {
  const { fake, client, ask } = await setup(t);
  fake.addFault({ kind: "context_length" });
  const err = await ask().catch((e: unknown) => e);
  assert.ok(err instanceof LlmError);
  assert.equal(err.code, "context_length");
  assert.match(err.message, /maximum context length/);
  assert.equal(fake.requests.length, 1);
  assert.equal(client.stats().retries, 0);

  const small = await startFakeOpenAI({ contextTokens: 20 });
  t.after(() => small.close());
  const c2 = await createOpenAIClient(llmConfig(small.url), FAST);
  const e2 = await c2.complete({ stage: "filter", messages: docMessages(DOC.repeat(5)), schema: Pair, schemaName: "qa_pair" }).catch((e: unknown) => e);
  assert.ok(e2 instanceof LlmError && e2.code === "context_length");
  assert.equal(small.requests.length, 1);
});

test("faults with match hit only the requests they accept", async (t) => {
  const { fake, ask } = await setup(t);
  fake.addFault({ kind: "500", times: Infinity, match: (ctx) => ctx.schemaName === "other" });
  await ask();
  assert.deepEqual(statuses(fake), [200]);
  fake.clearFaults();
});

test("an aborted request ends with code aborted", async (t) => {
  const { fake, client } = await setup(t, { timeoutMs: 5000 });
  fake.addFault({ kind: "hang" });
  const ctrl = new AbortController();
  const p = client.complete({ stage: "generate", messages: docMessages(DOC), schema: Pair, schemaName: "qa_pair", signal: ctrl.signal });
  setTimeout(() => ctrl.abort(), 50);
  await assert.rejects(p, (e: unknown) => e instanceof LlmError && e.code === "aborted");
  assert.equal(client.stats().errors, 0);
});
