/**
 * The response cache in queue workers, against a real redis-server and the fake server: two
 * workers share one cache folder; a second submit of the same inputs into a new --out is
 * answered from it (the server sees no request) with the first run's pairs, and the hits are
 * counted per chunk (status, merge); --no-cache sends everything again. Bad worker settings
 * stop with one line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readJsonl, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { cli, copiedCorpus, errorLines, ok, run, stackLines } from "./support/cli.js";
import { redisMissing, startRedis } from "./support/redis-server.js";

const skip = redisMissing();
const lines = (out: string, folder: string) => readJsonl(join(out, folder)).map((r) => JSON.stringify(r)).sort();

test("two workers share one cache: the same inputs into a new --out send 0 requests and write the first run's pairs; --no-cache sends them again", { skip, timeout: 600_000 }, async (t) => {
  const redisServer = await startRedis();
  const fake = await startStageServer();
  const dir = tempDir("wsrl-queue-cache-");
  const input = join(dir, "corpus.jsonl");
  copiedCorpus(input, 2, 9, "q");
  const cacheDir = join(dir, "cache");
  const chat = () => fake.requests.filter((r) => r.path.endsWith("/chat/completions")).length;
  const status = async (queue: string) => JSON.parse((await ok(["queue", "status", "--redis", redisServer.url, "--queue", queue, "--json"])).stdout);
  // One queue per run, so that each status counts one run's chunks.
  const submit = (queue: string, out: string) =>
    ok(["queue", "submit", input, "--redis", redisServer.url, "--queue", queue, "--out", out, "--chunk-docs", "20", "--model", "fake-model", "--base-url", fake.url, "--no-dedup"]);
  const twoWorkers = async (queue: string, a: { args: string[]; env?: NodeJS.ProcessEnv }, b = a) => {
    const work = (extra: string[]) => ["queue", "work", "--redis", redisServer.url, "--queue", queue, "--until-empty", "--chunks-at-once", "1", "--concurrency", "4", ...extra];
    const wa = cli(work(a.args), a.env && { ...process.env, ...a.env });
    const wb = cli(work(b.args), b.env && { ...process.env, ...b.env });
    assert.equal(await wa.exited, 0, wa.stderr());
    assert.equal(await wb.exited, 0, wb.stderr());
  };
  try {
    // The first run fills the cache.
    const first = join(dir, "first");
    await submit("q1", first);
    await twoWorkers("q1", { args: ["--cache", cacheDir] });
    const sentFirst = chat();
    assert.ok(sentFirst > 50, `enough requests to mean something (${sentFirst})`);
    const s1 = await status("q1");
    assert.equal(s1.chunks.completed, 3);
    assert.equal(s1.requests, sentFirst);
    // Documents that repeat in the corpus repeat requests: those asked after the first reply
    // came back were hits already. Calls = requests + hits, whatever the timing.
    const calls = s1.requests + s1.cache_hits;

    // The same inputs into a new --out: other chunk ids, the same requests. One worker names
    // the folder with --cache, the other through WEBSCALE_RL_CACHE (on by default).
    const second = join(dir, "second");
    await submit("q2", second);
    await twoWorkers("q2", { args: ["--cache", cacheDir] }, { args: [], env: { WEBSCALE_RL_CACHE: cacheDir } });
    assert.equal(chat(), sentFirst, "the server saw no request");
    t.diagnostic(`first run: ${sentFirst} requests at the server (${s1.cache_hits} calls repeated within it were hits); second run: 0 requests`);
    for (const folder of ["qa", "rejected", "documents"]) assert.deepEqual(lines(second, folder), lines(first, folder), `${folder}: the first run's`);
    const s2 = await status("q2");
    assert.equal(s2.chunks.completed, 3);
    assert.equal(s2.requests, 0);
    assert.equal(s2.tokens, 0);
    assert.equal(s2.cache_hits, calls, "every call a hit");
    assert.match((await ok(["queue", "status", "--redis", redisServer.url, "--queue", "q2"])).stdout, new RegExp(`replies from the response cache: ${s2.cache_hits}`));
    await ok(["merge", second]);
    const llm = JSON.parse(readFileSync(join(second, "stats.json"), "utf8")).llm;
    assert.deepEqual({ requests: llm.requests, hits: llm.cache_hits }, { requests: 0, hits: s2.cache_hits }, "merged stats.json = the chunks' hits");

    // --no-cache beats the environment: everything is sent again.
    const third = join(dir, "third");
    await submit("q3", third);
    await twoWorkers("q3", { args: ["--no-cache"], env: { WEBSCALE_RL_CACHE: cacheDir } });
    assert.equal(chat() - sentFirst, calls, "--no-cache: every call sent");
    t.diagnostic(`--no-cache: ${calls} requests at the server`);
    assert.deepEqual(lines(third, "qa"), lines(first, "qa"));
    assert.equal((await status("q3")).cache_hits, 0);
  } finally {
    await fake.close();
    await redisServer.close();
  }
});

test("worker settings: submit refuses the cache and budget flags, saying to pass them to queue work; a cache folder that cannot be opened stops the worker before any chunk", { skip, timeout: 300_000 }, async () => {
  const redisServer = await startRedis();
  const dir = tempDir("wsrl-queue-cache-bad-");
  const input = join(dir, "corpus.jsonl");
  copiedCorpus(input, 1, 9, "q");
  const notAFolder = join(dir, "file");
  writeFileSync(notAFolder, "x");
  try {
    const submit = ["queue", "submit", input, "--redis", redisServer.url, "--out", join(dir, "out"), "--model", "fake-model", "--base-url", "http://127.0.0.1:9/v1"];
    const cases: [string[], RegExp][] = [
      [["--cache", join(dir, "c")], /--cache is a setting of each worker, not of the run \(the response cache is per machine\): pass it to `webscale-rl queue work` instead/],
      [["--no-cache"], /--no-cache is a setting of each worker.*queue work/],
      [["--max-cost", "5"], /--max-cost is a setting of each worker, not of the run \(a budget bounds one worker's spend\): pass it to `webscale-rl queue work`/],
      [["--budget-tokens", "1000"], /--budget-tokens is a setting of each worker/],
    ];
    for (const [extra, message] of cases) {
      const r = await run([...submit, ...extra]);
      assert.equal(r.code, 2, r.stderr);
      assert.deepEqual(errorLines(r.stderr).length, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.deepEqual(stackLines(r.stderr), []);
    }
    const status = JSON.parse((await ok(["queue", "status", "--redis", redisServer.url, "--json"])).stdout);
    assert.equal(status.chunks.total, 0, "nothing was queued");

    await ok(submit);
    const work = ["queue", "work", "--redis", redisServer.url, "--until-empty"];
    for (const [extra, message] of [
      [["--cache", notAFolder], /cannot open the response cache in .*file .*pass --cache DIR with a writable folder, or --no-cache/],
      [["--cache-max-gb", "0"], /--cache-max-gb takes a number of gigabytes > 0/],
      [["--price", "fake-model"], /--price takes MODEL=IN\/OUT/],
    ] as [string[], RegExp][]) {
      const r = await run([...work, ...extra]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    const after = JSON.parse((await ok(["queue", "status", "--redis", redisServer.url, "--json"])).stdout);
    assert.equal(after.chunks.waiting, 1, "no chunk was taken");
  } finally {
    await redisServer.close();
  }
});
