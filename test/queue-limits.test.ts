/**
 * Queue guards against a real redis-server, with in-process workers: the global rate limit
 * holds across two workers (every request the server saw took a permit, and the permit log on
 * Redis's clock holds at most the limit in any window), and a chunk whose
 * lock another worker holds is not run until that lock is released.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { EXAMPLES, readJsonl, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { redisMissing, startRedis } from "./support/redis-server.js";
import { stageHandlers } from "./support/fake-stage-handlers.js";
import type { FakeHandler } from "./support/fake-openai-server.js";
import { submitRun } from "../src/queue/submit.js";
import { startWorker } from "../src/queue/worker.js";
import { ChunkLock } from "../src/queue/chunk-lock.js";
import { queueKeys } from "../src/queue/redis.js";
import { until } from "./support/cli.js";

const skip = redisMissing();

function runLayer(out: string, fakeUrl: string, extra: Record<string, unknown> = {}) {
  return {
    inputs: [EXAMPLES],
    out,
    progress: "none",
    curate: { dedup: false, decontaminate: false, quality: false },
    ...extra,
    llm: { timeoutMs: 120_000, maxRetries: 2, defaults: { baseUrl: [fakeUrl], model: "fake-model" }, ...((extra.llm as object) ?? {}) },
  };
}

test("--rpm holds across two workers: every request the server saw took a permit, and no window of the permit log holds more than the limit", { skip, timeout: 600_000 }, async () => {
  const redisServer = await startRedis();
  let served = 0;
  const handlers: Record<string, FakeHandler> = Object.fromEntries(Object.entries(stageHandlers).map(([n, h]) => [n, (ctx) => (served++, h(ctx))]));
  const fake = await startStageServer({ handlers });
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const dir = tempDir("wsrl-rpm-");
  // Up to 32 requests want permits at once at the start (2 workers × 2 chunks × concurrency 8),
  // so the limit binds however slowly a loaded machine produces requests.
  const LIMIT = 10;
  const WINDOW = 3000;
  // The limiter's own log, as Redis records it: the score (Redis's clock, ms) of every permit
  // its script grants. Timestamps taken at the model server would add each request's delivery
  // delay (large on a busy machine) and so test a race, not the limit.
  // A refusal (the script reads the oldest permit to say how long to wait) shows the limit bound.
  const permits: number[] = [];
  let refusals = 0;
  const monitorClient = new Redis(redisServer.url);
  const monitor = await monitorClient.monitor();
  monitor.on("monitor", (_time: string, args: string[]) => {
    if (args[1] !== queueKeys("rpm").rate) return;
    if (args[0]?.toUpperCase() === "ZADD") permits.push(Number(args[2]));
    if (args[0]?.toUpperCase() === "ZRANGE") refusals++;
  });
  const workers: ReturnType<typeof startWorker>[] = [];
  const conns: Redis[] = [];
  try {
    const res = await submitRun({ redis, queue: "rpm", layer: runLayer(join(dir, "out"), fake.url, { plan: "efficient", llm: { rpm: LIMIT, concurrency: 8 } }), chunkDocs: 7 });
    for (let i = 0; i < 2; i++) {
      const conn = new Redis(redisServer.url, { maxRetriesPerRequest: null });
      conns.push(conn);
      workers.push(startWorker({ redis: conn, queue: "rpm", layer: {}, rateWindowMs: WINDOW, chunksAtOnce: 2, log: () => {} }));
    }
    const q = new Queue("rpm", { connection: redis });
    await until(async () => (await q.getJobCounts("completed")).completed === res.chunks, "all chunks");
    await q.close();
    // MONITOR delivers in order; a PING's reply comes after every earlier command's report.
    await redis.ping();
    await until(async () => permits.length >= served, "the permit log to catch up");
    assert.ok(served >= 3 * LIMIT, `enough requests for the limit to bind (${served})`);
    assert.equal(permits.length, served, "one permit per request the server saw, retries included");
    // The limiter's definition: a permit granted at t counts in (t - WINDOW, t].
    permits.sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0, j = 0; i < permits.length; i++) {
      while (permits[j]! <= permits[i]! - WINDOW) j++;
      worst = Math.max(worst, i - j + 1);
    }
    assert.ok(worst <= LIMIT, `at most ${LIMIT} permits in any ${WINDOW} ms window of Redis's clock, saw ${worst}`);
    assert.ok(refusals > 0, "requests had to wait for a permit (the test would prove nothing otherwise)");
  } finally {
    for (const w of workers) await w.close();
    for (const c of conns) c.disconnect();
    monitor.disconnect();
    monitorClient.disconnect();
    redis.disconnect();
    await fake.close();
    await redisServer.close();
  }
});

test("a chunk locked by another worker waits (no attempt used) and runs once the lock is released", { skip, timeout: 600_000 }, async () => {
  const redisServer = await startRedis();
  const fake = await startStageServer();
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const dir = tempDir("wsrl-lock-");
  const out = join(dir, "out");
  let worker: ReturnType<typeof startWorker> | undefined;
  const conn = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  try {
    const res = await submitRun({ redis, queue: "lock", layer: runLayer(out, fake.url), chunkDocs: 100 });
    assert.equal(res.chunks, 1);
    const q = new Queue("lock", { connection: redis });
    const [job] = await q.getJobs(["waiting"]);
    const chunkId = job!.data.chunkId as string;
    const held = await ChunkLock.acquire(redis, queueKeys("lock").lock(chunkId), 60_000, "other:");
    assert.ok(held);
    worker = startWorker({ redis: conn, queue: "lock", layer: {}, busyRetryMs: 200, log: () => {} });
    // The worker tries, finds the lock taken, and puts the chunk back (delayed) — more than once.
    let bounces = 0;
    await until(async () => {
      if ((await q.getJobCounts("delayed")).delayed > 0) bounces++;
      return bounces >= 3;
    }, "the chunk to be put back while locked");
    assert.equal(fake.requests.length, 0, "no work on a locked chunk");
    assert.ok(!existsSync(join(out, "state", `finished-c-${chunkId}.txt`)));
    await held!.release();
    await until(async () => (await q.getJobCounts("completed")).completed === 1, "the chunk to complete");
    const done = await q.getJob(chunkId);
    assert.equal(done!.attemptsMade, 1, "waiting for the lock used no attempts");
    assert.ok(readJsonl(join(out, "qa")).length > 0);
    await q.close();
  } finally {
    await worker?.close();
    conn.disconnect();
    redis.disconnect();
    await fake.close();
    await redisServer.close();
  }
});
