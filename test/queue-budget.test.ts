/**
 * `queue work --budget-tokens / --max-cost`: a worker's budget bounds its session, against a
 * real redis-server and the fake server (requests counted at the server). Once spent, the chunk
 * in work stops like Ctrl-C and goes back to the queue without using an attempt (the run is
 * submitted with --attempts 1: a used attempt would fail it), the worker exits 3 saying why, and
 * a worker without a budget finishes the run to the pairs of one uninterrupted run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { readWriter } from "../src/io/run-manifest.js";
import { readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { copiedCorpus, errorLines, ok, run } from "./support/cli.js";
import { redisMissing, startRedis } from "./support/redis-server.js";

const skip = redisMissing();
const CONCURRENCY = 2; // requests on the wire at most (one chunk at once)
const lines = (out: string, folder: string) => readJsonl(join(out, folder)).map((r) => JSON.stringify(r)).sort();

test("a worker's budget: spent → its chunk goes back without using an attempt, exit 3 with why; an unpriced --max-cost stops it before any request; another worker finishes the run", { skip, timeout: 600_000 }, async (t) => {
  const redisServer = await startRedis();
  const fake = await startStageServer();
  const dir = tempDir("wsrl-queue-budget-");
  const input = join(dir, "corpus.jsonl");
  copiedCorpus(input, 2, 9, "b");
  const chat = () => fake.requests.filter((r) => r.path.endsWith("/chat/completions"));
  const served = () => chat().reduce((a, r) => a + r.promptTokens + r.completionTokens, 0);
  const status = async () => JSON.parse((await ok(["queue", "status", "--redis", redisServer.url, "--json"])).stdout);
  try {
    const ref = join(dir, "ref");
    await runOn(fake, [input], ref);
    const refTokens = served();
    const perRequest = Math.max(...chat().map((r) => r.promptTokens + r.completionTokens));
    const refRequests = chat().length;

    const out = join(dir, "out");
    await ok(["queue", "submit", input, "--redis", redisServer.url, "--out", out, "--chunk-docs", "30", "--attempts", "1", "--model", "fake-model", "--base-url", fake.url, "--no-dedup", "--no-quality", "--no-decontaminate"]);
    const work = ["queue", "work", "--redis", redisServer.url, "--until-empty", "--chunks-at-once", "1", "--concurrency", String(CONCURRENCY)];

    // --max-cost without a price for the run's model: the worker stops with one line, before any request.
    const unpriced = await run([...work, "--max-cost", "1"]);
    assert.equal(unpriced.code, 2, unpriced.stderr);
    assert.deepEqual(errorLines(unpriced.stderr), ["webscale-rl: --max-cost needs a price for fake-model: pass --price fake-model=IN/OUT (dollars per million prompt/completion tokens)"]);
    assert.equal(chat().length, refRequests, "no request");
    let s = await status();
    assert.deepEqual([s.chunks.completed, s.chunks.failed, s.chunks.active], [0, 0, 0], "the chunk went back");

    // A tenth of the run's tokens: spent part-way through the first chunk (30 of 50 documents).
    const budget = Math.floor(refTokens / 10);
    const before = served();
    const stopped = await run([...work, "--budget-tokens", String(budget)]);
    assert.equal(stopped.code, 3, stopped.stderr);
    const why = new RegExp(`the token budget is spent \\(\\d+ of --budget-tokens ${budget}\\)`);
    assert.match(stopped.stderr, new RegExp(`queue: ${why.source}; stopping: the chunks in work stop at a committed point and go back to the queue`));
    assert.match(stopped.stderr, /chunk \w+ put back in the queue \(stopped at a committed point\)/);
    assert.match(stopped.stderr, /queue: stopped early: the token budget is spent .*Start the worker again \(with a larger budget\) to go on\.\n$/);
    const spent = served() - before;
    t.diagnostic(`budget ${budget} tokens (a tenth of the run's ${refTokens}); the worker spent ${spent} at the server before it stopped`);
    assert.ok(spent >= budget, `spent ${spent} of ${budget}`);
    // Once spent, no new request: only those on the wire may add to the call that crossed it.
    assert.ok(spent <= budget + CONCURRENCY * perRequest, `spent ${spent}: more than the requests in flight past the budget ${budget}`);
    s = await status();
    assert.deepEqual([s.chunks.completed, s.chunks.failed, s.chunks.active], [0, 0, 0], "no chunk finished or failed: the chunk in work went back");
    assert.equal(s.chunks.waiting + s.chunks.delayed, 2);
    // The chunk's writer record says why it stopped, as a run's does.
    const tags = readdirSync(join(out, "state")).filter((f) => /^writer-c-.*\.json$/.test(f)).map((f) => f.slice("writer-".length, -".json".length));
    assert.equal(tags.length, 1, "one chunk was started");
    assert.equal(readWriter(out, tags[0]!)?.status, "stopped");
    assert.match(readWriter(out, tags[0]!)?.reason ?? "", why);

    // A worker without a budget resumes the chunk (its attempt was not used) and finishes the run.
    await ok(work);
    s = await status();
    assert.deepEqual([s.chunks.completed, s.chunks.failed], [2, 0]);
    for (const folder of ["qa", "rejected", "documents"]) assert.deepEqual(lines(out, folder), lines(ref, folder), `${folder}: the uninterrupted run's`);
  } finally {
    await fake.close();
    await redisServer.close();
  }
});
