/**
 * The queue's edges, with real processes: an unreachable Redis ends submit, status and work
 * with one line (no hang, no stack trace); SIGINT stops a worker part-way through a chunk,
 * which goes back to the queue without using an attempt and is finished by another worker;
 * SIGTERM stops a worker even when Redis has gone away.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { redisMissing, startRedis } from "./support/redis-server.js";
import { pausableStageHandlers } from "./support/fake-stage-handlers.js";
import { cli, copiedCorpus, finishedUnits, ok, until } from "./support/cli.js";

const skip = redisMissing();
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;
const lines = (out: string, folder: string) => readJsonl(join(out, folder)).map((r) => JSON.stringify(r)).sort();

test("Redis unreachable (refused, or accepting but silent): submit, status and work each end with one line naming the URL and the fix", { timeout: 600_000 }, async () => {
  const dir = tempDir("wsrl-noredis-");
  const input = join(dir, "corpus.jsonl");
  copiedCorpus(input, 1, 3);
  // A port nothing listens on, and a server that accepts connections and never answers.
  const refused = createServer();
  await new Promise<void>((r) => refused.listen(0, "127.0.0.1", r));
  const refusedPort = (refused.address() as { port: number }).port;
  await new Promise((r) => refused.close(r));
  const sockets = new Set<Socket>();
  const silent = createServer((s) => (sockets.add(s), s.on("error", () => {})));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  const silentPort = (silent.address() as { port: number }).port;
  try {
    const cases = [
      { url: `redis://:s3cret@127.0.0.1:${refusedPort}`, cause: /ECONNREFUSED/ },
      { url: `redis://127.0.0.1:${silentPort}`, cause: /no answer in 5 s/ },
    ];
    const commands = (url: string) => [
      ["queue", "submit", input, "--out", join(dir, "out"), "--redis", url],
      ["queue", "status", "--redis", url],
      ["queue", "work", "--redis", url, "--base-url", "http://127.0.0.1:9/v1", "--model", "m"],
    ];
    const runs = cases.flatMap((c) => commands(c.url).map((args) => ({ ...c, args, p: cli(args) })));
    for (const r of runs) {
      const code = await r.p.exited;
      const what = r.args.slice(0, 2).join(" ");
      assert.equal(code, 2, `${what} exits non-zero: ${r.p.stderr()}`);
      const err = r.p.stderr().trim().split("\n");
      assert.equal(err.length, 1, `${what}: one line, got:\n${r.p.stderr()}`);
      assert.match(err[0]!, /^webscale-rl: cannot reach Redis at redis:\/\/.*127\.0\.0\.1:\d+ \(.*\): start redis-server there, or fix --redis$/);
      assert.match(err[0]!, r.cause);
      assert.doesNotMatch(r.p.stderr(), /s3cret/, "the password is never printed");
      assert.doesNotMatch(r.p.stderr(), STACK_FRAME);
    }
    assert.ok(!existsSync(join(dir, "out")), "nothing written");
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test("SIGINT stops a worker part-way through a chunk: the chunk goes back to the queue (no attempt used) and another worker finishes it", { skip, timeout: 600_000 }, async () => {
  const redisServer = await startRedis();
  const replies = pausableStageHandlers();
  const fake = await startStageServer({ handlers: replies.handlers });
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const dir = tempDir("wsrl-queue-sigint-");
  const input = join(dir, "corpus.jsonl");
  copiedCorpus(input, 2, 4);
  try {
    const ref = join(dir, "ref");
    await runOn(fake, [input], ref);
    const out = join(dir, "out");
    await ok(["queue", "submit", input, "--redis", redisServer.url, "--out", out, "--chunk-docs", "100", "--model", "fake-model", "--base-url", fake.url, "--no-dedup", "--no-quality", "--no-decontaminate"]);
    const q = new Queue("webscale-rl", { connection: redis });
    const [job] = await q.getJobs(["waiting"]);
    const tag = `c-${job!.data.chunkId}`;

    const a = cli(["queue", "work", "--redis", redisServer.url, "--chunks-at-once", "1", "--concurrency", "2"]);
    // Part-way: a checkpoint holds some units; then the server holds its replies, so the chunk cannot finish meanwhile.
    await until(() => {
      if (a.child.exitCode !== null) assert.fail(`worker ended early: ${a.stderr()}`);
      return finishedUnits(out, tag) >= 3 && existsSync(join(out, "state", `checkpoint-${tag}.json`));
    }, "a committed checkpoint of the chunk");
    replies.pause();
    a.child.kill("SIGINT");
    // The units in flight finish (their replies are released), are committed, and the chunk goes back.
    setTimeout(() => replies.resume(), 200);
    assert.equal(await a.exited, 0, a.stderr());
    assert.match(a.stderr(), /interrupted; stopping/);
    assert.match(a.stderr(), new RegExp(`chunk ${job!.data.chunkId} put back in the queue`));
    assert.doesNotMatch(a.stderr(), STACK_FRAME);
    const back = await q.getJob(job!.id!);
    assert.ok(["waiting", "delayed"].includes(await back!.getState()), `the chunk is queued again (${await back!.getState()})`);
    assert.equal(back!.attemptsMade, 0, "stopping used no attempt");
    assert.equal(await redis.exists(`wsrl:webscale-rl:lock:${job!.data.chunkId}`), 0, "the chunk lock is released");
    const doneByA = finishedUnits(out, tag);
    assert.ok(doneByA >= 3);

    const b = await ok(["queue", "work", "--redis", redisServer.url, "--until-empty"]);
    assert.match(b.stderr, /Resuming/);
    for (const folder of ["qa", "rejected", "documents"]) assert.deepEqual(lines(out, folder), lines(ref, folder), `${folder}: as one uninterrupted run`);
    await q.close();
  } finally {
    replies.resume();
    redis.disconnect();
    await fake.close();
    await redisServer.close();
  }
});

test("SIGTERM stops a worker even when Redis has gone away: one line says the chunk resumes elsewhere, no stack trace", { skip, timeout: 600_000 }, async () => {
  const redisServer = await startRedis();
  const replies = pausableStageHandlers();
  const fake = await startStageServer({ handlers: replies.handlers });
  const dir = tempDir("wsrl-queue-sigterm-");
  const input = join(dir, "corpus.jsonl");
  copiedCorpus(input, 2, 4);
  const out = join(dir, "out");
  try {
    await ok(["queue", "submit", input, "--redis", redisServer.url, "--out", out, "--chunk-docs", "100", "--model", "fake-model", "--base-url", fake.url, "--no-dedup"]);
    const redis = new Redis(redisServer.url);
    const [chunkId] = await redis.hkeys("wsrl:webscale-rl:chunk-docs");
    redis.disconnect();
    const a = cli(["queue", "work", "--redis", redisServer.url, "--chunks-at-once", "1", "--concurrency", "2", "--stop-grace", "3000"]);
    await until(() => {
      if (a.child.exitCode !== null) assert.fail(`worker ended early: ${a.stderr()}`);
      return finishedUnits(out, `c-${chunkId}`) >= 2;
    }, "the chunk under way");
    replies.pause();
    await redisServer.close();
    a.child.kill("SIGTERM");
    replies.resume();
    assert.equal(await a.exited, 1, a.stderr());
    assert.match(a.stderr(), /terminated; stopping/);
    assert.match(a.stderr(), /other workers resume them from their checkpoints once their locks expire/);
    assert.doesNotMatch(a.stderr(), STACK_FRAME);
  } finally {
    replies.resume();
    await fake.close();
    await redisServer.close();
  }
});
