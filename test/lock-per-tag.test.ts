/**
 * The output lock is per writer tag: a shard (`sIofN`) or a queue chunk (`c-<chunk>`) held by
 * another process is refused or waited for, while the directory's other shards and chunks
 * go on; nothing is written under the held tag (no checkpoint, no curation state, no chat
 * request) until its holder is gone, and then the lock is taken over and the work completes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { EXAMPLES, readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { alive, cli, copiedCorpus, errorLines, ok, readJson, run, stackLines, until } from "./support/cli.js";
import { heldBy } from "./support/lock-holder.js";
import { redisMissing, startRedis } from "./support/redis-server.js";

const sorted = (dir: string, folder: string) => readJsonl(join(dir, folder)).map((r) => JSON.stringify(r)).sort();
const traces = (out: string, tag: string) =>
  [`checkpoint-${tag}.json`, `writer-${tag}.json`, `curate-${tag}`, `finished-${tag}.txt`].filter((f) => existsSync(join(out, "state", f)));

test("--shard: a shard held by another process is refused, the other shards of the directory run meanwhile", { timeout: 120_000 }, async () => {
  const fake = await startStageServer();
  const out = join(tempDir("wsrl-shard-lock-"), "out");
  const shard = (i: number) => ["run", EXAMPLES, "--out", out, "--shard", `${i}/3`, "--base-url", fake.url, "--model", "fake-model", "--progress", "none"];
  const h = await heldBy(out, "s0of3");
  try {
    const refused = await run(shard(0));
    assert.notEqual(refused.code, 0);
    assert.deepEqual(stackLines(refused.stderr), []);
    assert.match(errorLines(refused.stderr)[0] ?? "", new RegExp(`\\.lock-s0of3 is held by hold-lock test \\(pid ${h.child.pid} on .*only one writer at a time`));
    assert.deepEqual(traces(out, "s0of3"), [], "the refused shard wrote nothing");

    const other = await run(shard(1));
    assert.equal(other.code, 0, other.stderr);
    assert.equal(readJson(join(out, "state", "writer-s1of3.json"))?.status, "complete", "another shard runs while s0of3 is held");

    h.child.kill("SIGKILL");
    await h.exited;
    const again = await run(shard(0));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, new RegExp(`Took over the stale lock .*\\.lock-s0of3: process ${h.child.pid} is gone`));
    assert.equal(readJson(join(out, "state", "writer-s0of3.json"))?.status, "complete");
  } finally {
    h.child.kill("SIGKILL");
    await fake.close();
  }
});

test("queue: a chunk whose output lock another process holds waits (no attempt used, nothing written), then is taken over and completes", { skip: redisMissing(), timeout: 600_000 }, async () => {
  const redisServer = await startRedis();
  const fake = await startStageServer();
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const dir = tempDir("wsrl-chunk-lock-");
  const input = join(dir, "corpus.jsonl");
  copiedCorpus(input, 1, 3);
  const out = join(dir, "out");
  const chats = () => fake.requests.filter((r) => r.path === "/v1/chat/completions").length;
  let h: Awaited<ReturnType<typeof heldBy>> | undefined;
  try {
    const ref = join(dir, "ref");
    await runOn(fake, [input], ref, {}, { curate: true });
    // One chunk, curation on: its gate would leave state/curate-c-<chunk> if opened too early.
    await ok(["queue", "submit", input, "--redis", redisServer.url, "--out", out, "--chunk-docs", "100", "--model", "fake-model", "--base-url", fake.url]);
    const [chunkId] = await redis.hkeys("wsrl:webscale-rl:chunk-docs");
    const tag = `c-${chunkId}`;
    h = await heldBy(out, tag);
    const sent = chats();

    const worker = cli(["queue", "work", "--redis", redisServer.url, "--until-empty", "--lock-duration", "1500", "--stalled-interval", "500"]);
    await until(() => alive(worker) && worker.stderr().includes(`chunk ${chunkId} is still being written`), "the worker to meet the held lock");
    assert.match(worker.stderr(), new RegExp(`\\.lock-${tag} is held by hold-lock test \\(pid ${h.child.pid} on `));
    assert.deepEqual(traces(out, tag), [], "nothing written under the held chunk");
    assert.equal(chats(), sent, "no request for the held chunk");
    const q = new Queue("webscale-rl", { connection: redis });
    assert.equal((await q.getJob(chunkId!))!.attemptsMade, 0, "waiting for the lock uses no attempt");

    h.child.kill("SIGKILL");
    await h.exited;
    assert.equal(await worker.exited, 0, worker.stderr());
    assert.match(worker.stderr(), new RegExp(`Took over the stale lock .*\\.lock-${tag}: process ${h.child.pid} is gone`));
    assert.match(worker.stderr(), new RegExp(`chunk ${chunkId} done`));
    assert.deepEqual(stackLines(worker.stderr()), []);
    for (const folder of ["qa", "rejected", "documents"]) assert.deepEqual(sorted(out, folder), sorted(ref, folder), `${folder}: as one run`);
    assert.equal(readJson(join(out, "state", `writer-${tag}.json`))?.status, "complete");
    assert.ok(!existsSync(join(out, `.lock-${tag}`)), "the worker released the chunk's lock");
    await q.close();
  } finally {
    h?.child.kill("SIGKILL");
    redis.disconnect();
    await fake.close();
    await redisServer.close();
  }
});
