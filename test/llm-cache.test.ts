/**
 * The response cache across runs, end to end: the real pipeline and the real `webscale-rl`
 * command against the fake OpenAI-compatible server over HTTP, requests counted at the server.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { Stats } from "../src/records.js";
import { LlmConfig } from "../src/config/schema.js";
import { createLlmClient } from "../src/llm/index.js";
import { EXAMPLES, readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { chatRequests, startFakeOpenAI } from "./support/fake-openai-server.js";
import { llmConfig, docMessages } from "./support/llm-config.js";
import { cli, ok, copiedCorpus } from "./support/cli.js";
import { assertStatsAddUp } from "./support/stats-invariants.js";

const chat = chatRequests;
/** The accepted pairs without the fields that name models (they may differ between runs by design). */
const pairs = (out: string) => readJsonl(join(out, "qa")).map(({ models: _m, ...rest }) => rest);

test("a second run with the same settings into a new --out sends no request and gives the same pairs; stats count the hits", async () => {
  const fake = await startStageServer();
  const dir = tempDir();
  const cache = { llm: { cache: { enabled: true, dir: join(dir, "cache") } } };
  try {
    const first = await runOn(fake, [EXAMPLES], join(dir, "a"), cache);
    const sent = chat(fake).length;
    assert.ok(sent > 50, `the first run asks the model (${sent} requests)`);
    // Within one run a repeated request (one question judged for two documents) is a hit too.
    const firstHits = first.stats.cache?.hits ?? 0;

    const second = await runOn(fake, [EXAMPLES], join(dir, "b"), cache);
    assert.equal(chat(fake).length, sent, "the second run sent no request");
    assert.deepEqual(readJsonl(join(dir, "b", "qa")), readJsonl(join(dir, "a", "qa")));
    assert.deepEqual(readJsonl(join(dir, "b", "rejected")), readJsonl(join(dir, "a", "rejected")));

    const s = Stats.parse(JSON.parse(readFileSync(join(dir, "b", "stats.json"), "utf8")));
    assert.equal(s.llm.requests, 0);
    // Every call of the first run is a hit now: those that reached the server once, and its own hits.
    assert.equal(s.llm.cache_hits, first.stats.llm.requests - first.stats.llm.retries + firstHits);
    assert.equal(s.cache?.hits, s.llm.cache_hits);
    assert.equal(s.cache?.saved_prompt_tokens, first.stats.llm.prompt_tokens + first.stats.cache!.saved_prompt_tokens);
    assert.equal(s.cache?.saved_completion_tokens, first.stats.llm.completion_tokens + first.stats.cache!.saved_completion_tokens);
    assert.deepEqual(s.cache?.unpriced, ["fake-model"], "no list price for the fake model: no cost, and it says why");
    assert.equal(s.llm.by_stage.check!.cache_hits, first.stats.llm.by_stage.check!.requests + (first.stats.llm.by_stage.check!.cache_hits ?? 0));
    assertStatsAddUp(s);
  } finally {
    await fake.close();
  }
});

test("changing only the check model resends only the check calls", async () => {
  const fake = await startStageServer();
  const dir = tempDir();
  const cacheDir = join(dir, "cache");
  try {
    const first = await runOn(fake, [EXAMPLES], join(dir, "a"), { llm: { cache: { enabled: true, dir: cacheDir } } });
    const before = chat(fake).length;
    await runOn(fake, [EXAMPLES], join(dir, "b"), { llm: { cache: { enabled: true, dir: cacheDir }, stages: { check: { model: "fake-checker" } } } });
    const resent = chat(fake).slice(before);
    assert.equal(resent.length, first.stats.llm.by_stage.check!.requests);
    assert.deepEqual([...new Set(resent.map((r) => r.schemaName))], ["check_verdict"]);
    assert.deepEqual(pairs(join(dir, "b")), pairs(join(dir, "a")));
    assert.ok(readJsonl(join(dir, "b", "qa")).every((r) => r.models.check === "fake-checker"));
  } finally {
    await fake.close();
  }
});

test("unseeded sampling is cached per sample: a rerun gets its k samples back, a k+1-th is asked", async () => {
  const fake = await startFakeOpenAI();
  const dir = tempDir();
  const cfg = llmConfig(fake.url, { cache: { enabled: true, dir: join(dir, "cache") } });
  const Reply = z.object({ answer: z.string() });
  const ask = (llm: Awaited<ReturnType<typeof createLlmClient>>, sampling: { temperature: number; seed?: number }) =>
    llm.complete({ stage: "generate", messages: docMessages("The sky is blue."), schema: Reply, schemaName: "reply", sampling });
  try {
    let llm = await createLlmClient(cfg);
    for (let i = 0; i < 3; i++) await ask(llm, { temperature: 0.9 });
    await ask(llm, { temperature: 0 });
    await ask(llm, { temperature: 0 });
    await llm.close();
    assert.equal(chat(fake).length, 4, "three samples and one temperature-0 call; its repeat is a hit");

    llm = await createLlmClient(cfg);
    for (let i = 0; i < 3; i++) assert.equal((await ask(llm, { temperature: 0.9 })).cached, true);
    assert.equal(chat(fake).length, 4, "the rerun's three samples come from the cache");
    assert.equal((await ask(llm, { temperature: 0.9 })).cached, undefined);
    assert.equal(chat(fake).length, 5, "a fourth sample is a new one");
    assert.equal(llm.stats().cache_hits, 3);
    await llm.close();
  } finally {
    await fake.close();
  }
});

test("size-bounded: past --cache-max-gb the least recently used replies are evicted", async () => {
  const fake = await startFakeOpenAI();
  const dir = tempDir();
  // About 20 KB: room for some tens of small replies.
  const cfg = llmConfig(fake.url, { cache: { enabled: true, dir: join(dir, "cache"), maxGb: 20_000 / 1024 ** 3 } });
  const Reply = z.object({ answer: z.string() });
  const ask = (llm: Awaited<ReturnType<typeof createLlmClient>>, i: number) =>
    llm.complete({ stage: "filter", messages: docMessages(`Document number ${i} says ${"words ".repeat(20)}.`), schema: Reply, schemaName: "reply", sampling: { temperature: 0 } });
  try {
    let llm = await createLlmClient(cfg);
    for (let i = 0; i < 200; i++) await ask(llm, i);
    await llm.close();
    assert.equal(chat(fake).length, 200);

    llm = await createLlmClient(cfg);
    const store = (llm as unknown as { store: import("../src/llm/response-cache.js").ResponseCacheStore }).store;
    assert.ok(store.bytes() <= 20_000, `stored ${store.bytes()} bytes under a 20000-byte bound`);
    const kept = store.entries();
    assert.ok(kept > 10 && kept < 200, `kept ${kept} of 200`);
    // The newest replies are kept, the oldest went.
    assert.equal((await ask(llm, 199)).cached, true);
    assert.equal((await ask(llm, 0)).cached, undefined);
    await llm.close();
  } finally {
    await fake.close();
  }
});

test("a cache folder that cannot be used stops before any work with what to do", async () => {
  const dir = tempDir();
  const blocker = join(dir, "file");
  (await import("node:fs")).writeFileSync(blocker, "x");
  const cfg = LlmConfig.parse({ engine: "openai", defaults: { baseUrl: ["http://127.0.0.1:9/v1"], model: "m" }, cache: { dir: join(blocker, "cache") } });
  await assert.rejects(createLlmClient(cfg), /cannot open the response cache in .*: pass --cache DIR with a writable folder, or --no-cache/);
});

test("command line: concurrent shards share one cache; their rerun sends nothing; --no-cache and WEBSCALE_RL_CACHE=off send everything", async () => {
  const fake = await startStageServer();
  const dir = tempDir();
  const corpus = join(dir, "corpus.jsonl");
  copiedCorpus(corpus, 2, 5);
  const cacheDir = join(dir, "cache");
  const run = (out: string, shard: string, extra: string[] = [], env?: NodeJS.ProcessEnv) =>
    cli(["run", corpus, "--out", out, "--base-url", fake.url, "--model", "fake-model", "--shard", shard, "--progress", "none", "--no-dedup", "--no-decontaminate", "--no-quality", ...extra], env);
  const both = async (out: string, extra: string[] = [], env?: NodeJS.ProcessEnv) => {
    const shards = [run(out, "0/2", extra, env), run(out, "1/2", extra, env)];
    const codes = await Promise.all(shards.map((s) => s.exited));
    assert.deepEqual(codes, [0, 0], shards.map((s) => s.stderr()).join("\n"));
    return shards;
  };
  try {
    await both(join(dir, "a"), ["--cache", cacheDir]);
    const sent = chat(fake).length;
    assert.ok(sent > 50);

    const rerun = await both(join(dir, "b"), ["--cache", cacheDir]);
    assert.deepEqual(chat(fake).slice(sent), [], "the shards' rerun sent nothing");
    assert.match(rerun[0]!.stderr(), /0 model requests, 0 tokens; \d+ replies from the response cache/);
    const sorted = (out: string) => readJsonl(join(dir, out, "qa")).sort((x, y) => x.id.localeCompare(y.id));
    assert.deepEqual(sorted("b"), sorted("a"));

    // The environment names the folder too; --no-cache wins over it. Without the cache a run
    // sends at least as many requests as the first cached one: that one answered the repeats
    // of a request within the run (the same question judged for two documents) from the cache.
    const sentBy = async (out: string, extra: string[], env: NodeJS.ProcessEnv) => {
      const before = chat(fake).length;
      await both(join(dir, out), extra, { ...process.env, ...env });
      return chat(fake).length - before;
    };
    const noCache = await sentBy("c", ["--no-cache"], { WEBSCALE_RL_CACHE: cacheDir });
    assert.ok(noCache >= sent, `--no-cache sent ${noCache}`);
    assert.equal(await sentBy("d", [], { WEBSCALE_RL_CACHE: "off" }), noCache);
    assert.equal(await sentBy("e", [], { WEBSCALE_RL_CACHE: cacheDir }), 0, "WEBSCALE_RL_CACHE names the shared folder");
    await ok(["merge", join(dir, "e")]);
    const merged = Stats.parse(JSON.parse(readFileSync(join(dir, "e", "stats.json"), "utf8")));
    assert.equal(merged.llm.requests, 0);
    assert.equal(merged.cache?.hits, noCache, "every call is a hit");
  } finally {
    await fake.close();
  }
});

test("the cache and budget wrappers pass the engine's requests in flight through to the progress display", async () => {
  const { withResponseCache, openCacheStore } = await import("../src/llm/cached-client.js");
  const { withBudget } = await import("../src/pipeline/budget-guard.js");
  const { emptyLlmStats } = await import("../src/llm/index.js");
  const engine = {
    complete: async () => {
      throw new Error("not called");
    },
    sample: async () => {
      throw new Error("not called");
    },
    stats: () => emptyLlmStats(),
    modelFor: () => "fake-model",
    maxConcurrency: 7,
    load: () => ({ inFlight: 2, limit: 7 }),
    close: async () => {},
  };
  const cfg = llmConfig("http://127.0.0.1:9/v1", { cache: { enabled: true, dir: join(tempDir(), "cache") } });
  const cached = withResponseCache(engine, openCacheStore(cfg.cache!), cfg);
  const budgeted = withBudget(cached, { maxTokens: 10, prices: {} }, () => {});
  try {
    assert.equal(budgeted.maxConcurrency, 7);
    assert.deepEqual(budgeted.load?.(), { inFlight: 2, limit: 7 });
  } finally {
    await budgeted.close();
  }
});

test("text samples are cached one by one: seeded draws by seed + i, unseeded ones by their index in the process; a rerun sends nothing", async () => {
  const { policyFor } = await import("./support/fake-policy.js");
  const question = "A tank holds 1,200 litres and drains at 40 litres per minute: how many minutes until it is empty?";
  const fake = await startFakeOpenAI({ policy: policyFor([{ question, answer: "30", p: 3 / 8 }]) });
  const dir = tempDir();
  const cfg = llmConfig(fake.url, { cache: { enabled: true, dir: join(dir, "cache") } });
  const messages = [{ role: "user" as const, content: `${question}\n\nAnswer between the tags.` }];
  const ask = (client: Awaited<ReturnType<typeof createLlmClient>>, n: number, seed?: number) =>
    client.sample({ stage: "rollout", messages, n, sampling: { temperature: 1, max_tokens: 256, seed } });
  try {
    const first = await createLlmClient(cfg);
    const eight = await ask(first, 8, 0);
    assert.equal(chat(fake).length, 1, "the misses of a call go out as one request with n");
    // Two unseeded calls of one prompt in one process are different samples: the second one is asked too.
    const u1 = await ask(first, 3);
    const u2 = await ask(first, 3);
    assert.equal(chat(fake).length, 3);
    await first.close();

    const again = await createLlmClient(cfg);
    // Draws 4..7 of seed 0 are the draws of seed 4: all from the cache.
    const tail = await ask(again, 4, 4);
    assert.deepEqual(tail.samples, eight.samples.slice(4));
    assert.equal(tail.requests, 0);
    assert.deepEqual((await ask(again, 3)).samples, u1.samples);
    assert.deepEqual((await ask(again, 3)).samples, u2.samples);
    assert.equal(chat(fake).length, 3, "the rerun sent no request");
    // Ten draws of seed 0: the two new ones are one request starting at draw 8.
    const ten = await ask(again, 10, 0);
    assert.deepEqual(ten.samples.slice(0, 8), eight.samples);
    assert.equal(ten.requests, 1);
    const last = chat(fake).at(-1)!;
    assert.equal(last.seed, 8);
    assert.equal(last.n, 2);
    const s = again.stats();
    assert.equal(s.cache_hits, 4 + 3 + 3 + 8, "one hit per sample");
    assert.equal(s.requests, 1);
    await again.close();
  } finally {
    await fake.close();
  }
});
