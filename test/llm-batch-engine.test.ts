/**
 * The Batch API engine through the real pipeline, against the fake server with the Files and
 * Batches endpoints: same pairs as the HTTP engine, files split under the limits, failed and
 * expired batches resubmitted, context-length errors from the error file, a server without
 * the Batch API refused up front, and in-flight batches re-attached by a new client.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { LlmConfig } from "../src/config/schema.js";
import { createBatchClient } from "../src/llm/batch-engine.js";
import { BatchStore } from "../src/llm/batch-store.js";
import { customIdOf, splitIntoFiles } from "../src/llm/batch-files.js";
import { LlmError } from "../src/llm/types.js";
import { allFiles, EXAMPLES, readJsonl, runOn, tempDir } from "./support/pipeline-harness.js";
import { FAST, runBatchOn, startBatchServer } from "./support/fake-batch-api.js";

const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();

test("batch engine: the same pairs and rejections as the HTTP engine, counted per stage and per batch", async () => {
  const server = await startBatchServer();
  const dir = tempDir();
  try {
    await runOn(server.fake, [EXAMPLES], join(dir, "http"));
    const before = server.fake.requests.filter((r) => r.path === "/v1/chat/completions").length;
    const { res, log } = await runBatchOn(server.fake, [EXAMPLES], join(dir, "batch"), {}, { llm: { defaults: { apiKey: "sk-test-SECRET-123456" } } });
    const lines = server.batch.submissions.reduce((n, s) => n + s.customIds.length, 0);
    assert.ok(server.batch.submissions.length >= 4, "one batch per stage wave at least");
    assert.equal(lines, server.fake.requests.filter((r) => r.path === "/v1/chat/completions").length - before, "every batch line ran once");

    assert.deepEqual(sorted(readJsonl(join(dir, "batch", "qa"))), sorted(readJsonl(join(dir, "http", "qa"))));
    assert.deepEqual(sorted(readJsonl(join(dir, "batch", "rejected"))), sorted(readJsonl(join(dir, "http", "rejected"))));
    assert.ok(readJsonl(join(dir, "batch", "qa")).length >= 20);

    const llm = res.stats.llm;
    assert.equal(llm.requests, lines);
    assert.ok(llm.prompt_tokens > 0 && llm.completion_tokens > 0);
    assert.deepEqual(Object.keys(llm.by_stage).sort(), ["answerable", "check", "filter", "generate", "identify"]);
    const batchKey = `batch:${server.fake.url}`;
    assert.equal(llm.by_endpoint![batchKey].requests, server.batch.submissions.length, "batches submitted");
    assert.equal(llm.by_endpoint![batchKey].errors, 0);
    assert.equal(llm.by_endpoint![server.fake.url].requests, lines);
    assert.ok(log.some((l) => /batch: submitted batch-\d+ to .*: \d+ requests/.test(l)));
    assert.ok(log.some((l) => /batch: batch-\d+ completed after/.test(l)));

    // state/: every batch recorded with its custom_ids; results kept on disk for a resumed run.
    const store = new BatchStore(join(dir, "batch", "state"));
    const recs = store.load();
    assert.equal(recs.length, server.batch.submissions.length);
    assert.ok(recs.every((r) => r.status === "completed" && r.downloaded));
    assert.deepEqual(recs.map((r) => r.custom_ids), server.batch.submissions.map((s) => s.customIds));
    for (const f of allFiles(join(dir, "batch"))) assert.ok(!readFileSync(f, "utf8").includes("SECRET-123456"), `API key leaked into ${f}`);
    assert.ok(!log.join("\n").includes("SECRET-123456"));
  } finally {
    await server.close();
  }
});

test("batch engine: input files split under the request and byte limits", async () => {
  const server = await startBatchServer();
  const dir = tempDir();
  try {
    await runOn(server.fake, [EXAMPLES], join(dir, "http"));
    await runBatchOn(server.fake, [EXAMPLES], join(dir, "batch"), { maxRequestsPerFile: 5 });
    const sizes = server.batch.submissions.map((s) => s.customIds.length);
    assert.ok(sizes.every((n) => n <= 5), `batch sizes ${sizes}`);
    assert.ok(sizes.filter((n) => n === 5).length >= 3, "full files were cut at the limit");
    assert.deepEqual(sorted(readJsonl(join(dir, "batch", "qa"))), sorted(readJsonl(join(dir, "http", "qa"))));

    const items = ["a".repeat(10), "b".repeat(10), "c".repeat(30), "d"].map((text) => ({ text }));
    assert.deepEqual(splitIntoFiles(items, 10, 25).map((f) => f.map((i) => i.text[0]).join("")), ["ab", "c", "d"]);
    assert.deepEqual(splitIntoFiles(items, 3, 1000).map((f) => f.length), [3, 1]);
  } finally {
    await server.close();
  }
});

test("batch engine: requests of a failed and of an expired batch are resubmitted; pairs unchanged", async () => {
  const server = await startBatchServer();
  const dir = tempDir();
  try {
    await runOn(server.fake, [EXAMPLES], join(dir, "http"));
    server.batch.failNext(1);
    server.batch.expireNext(1, 3);
    const { res, log } = await runBatchOn(server.fake, [EXAMPLES], join(dir, "batch"));
    const [failed, expired, ...rest] = server.batch.submissions;
    const later = new Set(rest.flatMap((s) => s.customIds));
    assert.deepEqual(expired.customIds, failed.customIds, "every request of the failed batch was submitted again");
    assert.ok(expired.customIds.slice(3).every((id) => later.has(id)), "the expired batch's unrun requests were submitted again");
    assert.ok(expired.customIds.slice(0, 3).every((id) => !later.has(id)), "its finished requests were not");
    assert.deepEqual(sorted(readJsonl(join(dir, "batch", "qa"))), sorted(readJsonl(join(dir, "http", "qa"))));
    const counts = res.stats.llm.by_endpoint![`batch:${server.fake.url}`];
    assert.equal(counts.errors, 2, "two batches lost");
    assert.equal(counts.retries, failed.customIds.length + expired.customIds.length - 3);
    assert.ok(log.some((l) => /batch-\d+ failed after .*injected by the test/.test(l)));
    assert.ok(log.some((l) => /batch-\d+ expired after/.test(l)));
  } finally {
    await server.close();
  }
});

test("batch engine: context-length errors in the error file reject the document; the run goes on", async () => {
  const server = await startBatchServer({ contextTokens: 800 });
  const dir = tempDir();
  try {
    await runOn(server.fake, [EXAMPLES], join(dir, "http"));
    await runBatchOn(server.fake, [EXAMPLES], join(dir, "batch"));
    // The same documents rejected for the same reasons (the detail names the engine).
    const reasons = (d: string) => sorted(readJsonl(join(dir, d, "rejected")).map((r) => [r.doc_id, r.reason, r.pair?.question]));
    assert.ok(reasons("batch").some((r) => r.includes(".context_length")), "some documents hit the context limit");
    assert.deepEqual(reasons("batch"), reasons("http"));
    assert.deepEqual(sorted(readJsonl(join(dir, "batch", "qa"))), sorted(readJsonl(join(dir, "http", "qa"))));
  } finally {
    await server.close();
  }
});

const cfgFor = (url: string, extra: Record<string, unknown> = {}) =>
  LlmConfig.parse({ engine: "batch", maxRetries: 1, defaults: { baseUrl: [url], model: "fake-model", ...extra } });

test("batch engine: a server without the Batch API stops before work with a clear message", async () => {
  const { startFakeOpenAI } = await import("./support/fake-openai-server.js");
  const plain = await startFakeOpenAI();
  try {
    await assert.rejects(createBatchClient(cfgFor(plain.url), { ...FAST, stateDir: join(tempDir(), "state") }), (err: unknown) => {
      assert.ok(err instanceof LlmError && err.code === "config");
      assert.match(err.message, /has no Batch API .*--engine openai/);
      return true;
    });
  } finally {
    await plain.close();
  }
});

test("batch engine: a new client attaches to the in-flight batch of a closed one instead of submitting again", async () => {
  const server = await startBatchServer({ delayMs: 300 });
  const state = join(tempDir(), "state");
  const schema = z.object({ answer: z.string(), score: z.number() });
  const ask = (llm: Awaited<ReturnType<typeof createBatchClient>>, i: number) =>
    llm.complete({ stage: "filter", schemaName: "probe", schema, messages: [{ role: "user", content: `<document>\nquestion ${i}\n</document>` }], sampling: { seed: 1 } });
  try {
    const first = await createBatchClient(cfgFor(server.fake.url), { ...FAST, stateDir: state });
    const pending = [0, 1, 2].map((i) => ask(first, i));
    while (server.batch.submissions.length === 0) await new Promise((r) => setTimeout(r, 10));
    await first.close(); // like a killed run: the batch stays in flight
    for (const p of pending) await assert.rejects(p, (e: unknown) => e instanceof LlmError && e.code === "aborted");

    const logs: string[] = [];
    const second = await createBatchClient(cfgFor(server.fake.url), { ...FAST, stateDir: state, log: (m) => logs.push(m) });
    const got = await Promise.all([0, 1, 2, 3].map((i) => ask(second, i)));
    assert.ok(got.every((r) => typeof r.value.answer === "string" && r.usage.prompt_tokens > 0));
    const ids = server.batch.submissions.map((s) => s.customIds);
    assert.equal(ids.length, 2, "one new batch, for the request the first client never sent");
    assert.equal(ids[0].length, 3);
    assert.equal(ids[1].length, 1);
    assert.ok(logs.some((l) => /attaching to batch-\d+/.test(l)));
    assert.equal(second.stats().requests, 1, "only the new request is booked as sent");
    await second.close();

    // A third client finds the results on disk: nothing is submitted, nothing is polled.
    const polls = () => server.fake.requests.filter((r) => r.path.startsWith("/v1/batches/")).length;
    const before = polls();
    const third = await createBatchClient(cfgFor(server.fake.url), { ...FAST, stateDir: state });
    const again = await ask(third, 1);
    assert.deepEqual(again.value, got[1].value);
    assert.equal(server.batch.submissions.length, 2);
    assert.equal(polls(), before);
    await third.close();
  } finally {
    await server.close();
  }
});

test("batch engine: refused response_format falls back to the prompt; an invalid reply gets one corrective turn", async () => {
  const server = await startBatchServer({ rejectResponseFormat: true });
  const schema = z.object({ answer: z.string(), score: z.number() });
  try {
    const llm = await createBatchClient(cfgFor(server.fake.url), { ...FAST, stateDir: join(tempDir(), "state") });
    server.fake.addFault({ kind: "malformed", times: 1, match: (ctx) => ctx.mode === "prompt" });
    const r = await llm.complete({ stage: "check", schemaName: "probe", schema, messages: [{ role: "user", content: "<document>\nx\n</document>" }] });
    assert.equal(typeof r.value.score, "number");
    const bodies = [...server.batch.files.values()].filter((f) => f.purpose === "batch").map((f) => JSON.parse(f.content.trim()).body);
    assert.equal(bodies.length, 3, "refused, then malformed, then corrected");
    assert.ok(bodies[0].response_format && !bodies[1].response_format && !bodies[2].response_format);
    assert.match(bodies[1].messages.at(-1).content, /matching the schema "probe"/);
    assert.equal(bodies[2].messages.at(-2).role, "assistant", "the corrective turn shows the model its reply");
    const s = llm.stats();
    assert.equal(s.requests, 3);
    assert.equal(s.retries, 2);
    await llm.close();
  } finally {
    await server.close();
  }
});

test("batch store: ids are stable hashes of the request; a torn last line is skipped", () => {
  const body = { model: "m", messages: [{ role: "user", content: "hi" }] };
  assert.equal(customIdOf("filter", body), customIdOf("filter", structuredClone(body)));
  assert.notEqual(customIdOf("filter", body), customIdOf("check", body));
  assert.match(customIdOf("filter", body), /^wsrl-[0-9a-f]{32}$/);

  const state = tempDir();
  const store = new BatchStore(state);
  store.load();
  store.submitted({ batch_id: "b1", endpoint: "http://x/v1", input_file_id: "f1", custom_ids: ["a", "b"], status: "validating", submitted_at: "t" });
  store.submitted({ batch_id: "b2", endpoint: "http://x/v1", input_file_id: "f2", custom_ids: ["c"], status: "validating", submitted_at: "t" });
  store.statusChanged({ batch_id: "b1", endpoint: "", input_file_id: "", custom_ids: [], status: "in_progress", submitted_at: "" });
  store.retire("b2");
  writeFileSync(store.file, readFileSync(store.file, "utf8") + '{"op":"submit","batch_id":"b3","cus');
  const bad: number[] = [];
  const recs = new BatchStore(state).load((line) => bad.push(line));
  assert.deepEqual(bad, [5]);
  assert.deepEqual(recs.map((r) => [r.batch_id, r.status, r.custom_ids]), [["b1", "in_progress", ["a", "b"]]]);
  assert.equal(readFileSync(store.file, "utf8").trim().split("\n").length, 1, "compacted to one line per live batch");
});
