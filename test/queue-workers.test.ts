/**
 * The BullMQ/Redis work queue against a real redis-server: two worker processes share the
 * chunks, one is SIGKILLed mid-chunk and its chunk is retried by the other after the stall
 * interval, the inputs are submitted twice; the outputs equal a single-process run's, with
 * no duplicates or gaps. A chunk whose file vanished ends in the failed set with its error.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { cli, copiedCorpus, finishedUnits, ok, run } from "./support/cli.js";
import { redisMissing, startRedis } from "./support/redis-server.js";
import { stageHandlers } from "./support/fake-stage-handlers.js";
import type { FakeHandler } from "./support/fake-openai-server.js";

/** The stage replies, a little slower, so that a chunk lasts long enough to be killed part-way. */
const slowHandlers = (ms: number): Record<string, FakeHandler> =>
  Object.fromEntries(Object.entries(stageHandlers).map(([name, h]) => [name, async (ctx) => (await new Promise((r) => setTimeout(r, ms)), h(ctx))]));

const lines = (out: string, folder: string) => readJsonl(join(out, folder)).map((r) => JSON.stringify(r)).sort();

const skip = redisMissing();

test("two workers, one killed mid-chunk, inputs submitted twice: outputs equal one process, no duplicates or gaps", { skip, timeout: 600_000 }, async () => {
  const redisServer = await startRedis();
  const fake = await startStageServer({ handlers: slowHandlers(20) });
  const redis = new Redis(redisServer.url);
  const dir = tempDir("wsrl-queue-");
  const input = join(dir, "corpus.jsonl");
  copiedCorpus(input, 4, 9, "q");
  try {
    const ref = join(dir, "ref");
    await runOn(fake, [input], ref);
    const out = join(dir, "queued");
    const curationOff = ["--no-dedup", "--no-quality", "--no-decontaminate"];
    const submit = ["queue", "submit", input, "--redis", redisServer.url, "--out", out, "--chunk-docs", "30", "--model", "fake-model", "--base-url", fake.url, ...curationOff];
    const first = await ok(submit);
    assert.match(first.stderr, /queued 4 new chunks \(4 in all, 0 already queued\) from 1 files, 101 documents/);
    const second = await ok(submit);
    assert.match(second.stderr, /queued 0 new chunks \(4 in all, 4 already queued\)/, "a second submit adds nothing");

    const work = ["queue", "work", "--redis", redisServer.url, "--until-empty", "--chunks-at-once", "1", "--concurrency", "3", "--lock-duration", "1500", "--stalled-interval", "500"];
    const a = cli(work);
    const b = cli(work);
    // Kill worker A while it holds a chunk that is part-way done.
    let victim: string | undefined;
    while (!victim) {
      await new Promise((r) => setTimeout(r, 20));
      if (a.child.exitCode !== null) assert.fail(`worker A ended before it could be killed: ${a.stderr()}`);
      for (const key of await redis.keys("wsrl:webscale-rl:lock:*")) {
        const owner = await redis.get(key);
        const chunk = key.split(":").pop()!;
        const n = finishedUnits(out, `c-${chunk}`);
        if (owner?.startsWith(`${a.child.pid}:`) && n >= 2 && n < 25) victim = chunk;
      }
    }
    a.child.kill("SIGKILL");
    await a.exited;
    const doneAtKill = finishedUnits(out, `c-${victim}`);
    assert.equal(await b.exited, 0, b.stderr());
    assert.match(b.stderr(), new RegExp(`chunk ${victim} done`), "the survivor finished the killed worker's chunk");
    assert.ok(finishedUnits(out, `c-${victim}`) >= doneAtKill);

    for (const folder of ["qa", "rejected", "documents"]) assert.deepEqual(lines(out, folder), lines(ref, folder), `${folder}: the queue's outputs equal the single run's`);
    const qa = readJsonl(join(out, "qa"));
    assert.equal(new Set(qa.map((r) => r.id)).size, qa.length, "no pair twice");
    assert.ok(qa.length > 20);

    const status = JSON.parse((await ok(["queue", "status", "--redis", redisServer.url, "--json"])).stdout);
    assert.deepEqual({ ...status.chunks }, { waiting: 0, active: 0, delayed: 0, completed: 4, failed: 0, total: 4 });
    assert.equal(status.documents.done, 101);
    assert.equal(status.documents.submitted, 101);
    assert.equal(status.pairs, qa.length);

    const merged = await ok(["merge", out]);
    assert.match(merged.stderr, /4 writers \(4 queue chunks\)/);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    const refStats = JSON.parse(readFileSync(join(ref, "stats.json"), "utf8"));
    assert.deepEqual(stats.funnel, refStats.funnel);
    assert.deepEqual(stats.rejections, refStats.rejections);
    const run = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    assert.equal(run.config.out, out);
  } finally {
    redis.disconnect();
    await fake.close();
    await redisServer.close();
  }
});

test("a chunk that keeps failing lands in the failed set with its error; status lists it; once fixed, queue retry puts it back and it completes", { skip, timeout: 600_000 }, async () => {
  const redisServer = await startRedis();
  const fake = await startStageServer();
  const dir = tempDir("wsrl-queue-fail-");
  const input = join(dir, "gone.jsonl");
  copiedCorpus(input, 1, 9, "q");
  try {
    const out = join(dir, "out");
    await ok(["queue", "submit", input, "--redis", redisServer.url, "--queue", "q2", "--out", out, "--chunk-docs", "100", "--attempts", "2", "--backoff", "0.1", "--model", "fake-model", "--base-url", fake.url]);
    rmSync(input);
    await ok(["queue", "work", "--redis", redisServer.url, "--queue", "q2", "--until-empty"]);
    const status = JSON.parse((await ok(["queue", "status", "--redis", redisServer.url, "--queue", "q2", "--json"])).stdout);
    assert.equal(status.chunks.failed, 1);
    assert.equal(status.chunks.completed, 0);
    assert.equal(status.failures.length, 1);
    assert.equal(status.failures[0].attempts, 2);
    assert.match(status.failures[0].error, /cannot read .*gone\.jsonl: ENOENT/);
    const text = (await ok(["queue", "status", "--redis", redisServer.url, "--queue", "q2"])).stdout;
    assert.match(text, /1 failed/);
    assert.match(text, /gone\.jsonl lines 1-26 after 2 attempts: cannot read/);
    assert.match(text, /webscale-rl queue retry/);
    assert.equal(fake.requests.length, 0);

    // The file is back: retrying a chunk that is not failed says so; retrying the failed one completes it.
    copiedCorpus(input, 1, 9, "q");
    const retry = ["queue", "retry", "--redis", redisServer.url, "--queue", "q2"];
    const unknown = await run([...retry, "no-such-chunk"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /not in the failed set .*: no-such-chunk/);
    assert.match(unknown.stderr, /no failed chunk to retry/);
    const chunk = status.failures[0].chunk as string;
    assert.match((await ok([...retry, chunk])).stderr, new RegExp(`1 failed chunk\\(s\\) back in queue "q2": ${chunk}`));
    await ok(["queue", "work", "--redis", redisServer.url, "--queue", "q2", "--until-empty"]);
    const after = JSON.parse((await ok(["queue", "status", "--redis", redisServer.url, "--queue", "q2", "--json"])).stdout);
    assert.deepEqual({ completed: after.chunks.completed, failed: after.chunks.failed }, { completed: 1, failed: 0 });
    assert.equal(after.documents.done, after.documents.submitted);
    assert.ok(after.pairs > 0 && readJsonl(join(out, "qa")).length === after.pairs, "the retried chunk wrote its pairs");
    assert.match((await ok(retry)).stderr, /no failed chunk to retry in queue "q2"/);
  } finally {
    await fake.close();
    await redisServer.close();
  }
});

test("workers given --base-url use that server (run submitted without one); requests and tokens are counted per chunk: status, merge (and so the report) add up to what the server served", { skip, timeout: 600_000 }, async () => {
  const redisServer = await startRedis();
  const fake = await startStageServer();
  const dir = tempDir("wsrl-queue-count-");
  const input = join(dir, "corpus.jsonl");
  copiedCorpus(input, 4, 9, "q");
  try {
    const out = join(dir, "out");
    // The README's recipe: submitted without a model server (that alone would be the local
    // engine); each worker names its own with --base-url, which means the HTTP engine.
    await ok(["queue", "submit", input, "--redis", redisServer.url, "--out", out, "--chunk-docs", "30", "--attempts", "1", "--no-dedup"]);
    // Two chunks at once in one process share its model client: the case where each chunk used to record the client's running totals.
    await ok(["queue", "work", "--redis", redisServer.url, "--until-empty", "--chunks-at-once", "2", "--concurrency", "4", "--base-url", fake.url, "--model", "fake-model"]);
    const chat = fake.requests.filter((r) => r.path.endsWith("/chat/completions"));
    const served = { requests: chat.length, tokens: chat.reduce((a, r) => a + r.promptTokens + r.completionTokens, 0) };
    assert.ok(served.requests > 100, `enough requests to mean something (${served.requests})`);

    const status = JSON.parse((await ok(["queue", "status", "--redis", redisServer.url, "--json"])).stdout);
    assert.equal(status.chunks.completed, 4);
    assert.deepEqual({ requests: status.requests, tokens: status.tokens }, served, "queue status = the server's log");

    await ok(["merge", out]);
    const llm = JSON.parse(readFileSync(join(out, "stats.json"), "utf8")).llm;
    assert.deepEqual({ requests: llm.requests, tokens: llm.prompt_tokens + llm.completion_tokens }, served, "merged stats.json = the server's log");
    // The report prices stats.json's per-model tokens: they add up to the same totals.
    const byModel = Object.values(llm.by_model as Record<string, { requests: number; prompt_tokens: number; completion_tokens: number }>);
    assert.equal(byModel.reduce((a, m) => a + m.requests, 0), served.requests);
    assert.equal(byModel.reduce((a, m) => a + m.prompt_tokens + m.completion_tokens, 0), served.tokens);
  } finally {
    await fake.close();
    await redisServer.close();
  }
});
