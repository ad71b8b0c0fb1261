import { test } from "node:test";
import assert from "node:assert/strict";
import { AdaptiveLimiter } from "../src/llm/adaptive-limiter.js";
import { createLimiter, FixedLimiter } from "../src/llm/limiter.js";

/** A clock the test moves by hand, so decisions never depend on real time. */
function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

/** Fills every slot, then reports `n` results of `perToken` ms per completion token. */
async function round(l: AdaptiveLimiter, c: ReturnType<typeof clock>, perToken: number, outcome: "ok" | "overloaded" = "ok") {
  const releases = await Promise.all(Array.from({ length: l.limit }, () => l.acquire()));
  c.advance(1000);
  for (const release of releases) {
    l.onResult(outcome, { latencyMs: perToken * (100 + 8), completionTokens: 100 });
    release();
  }
}

test("auto concurrency is the adaptive limiter; a number is a fixed cap", () => {
  assert.ok(createLimiter("auto") instanceof AdaptiveLimiter);
  const fixed = createLimiter(12);
  assert.ok(fixed instanceof FixedLimiter);
  assert.equal(fixed.limit, 12);
  assert.equal(createLimiter("auto").maxLimit, 1024);
});

test("starts low and grows while latency stays at its floor", async () => {
  const c = clock();
  const l = new AdaptiveLimiter({ initial: 4, now: c.now });
  assert.equal(l.limit, 4);
  const seen = [l.limit];
  for (let i = 0; i < 25; i++) await round(l, c, 2), seen.push(l.limit);
  assert.ok(seen.every((v, i) => i === 0 || v >= seen[i - 1]!), `never shrinks: ${seen}`);
  assert.ok(l.limit > 64, `grew from 4 to ${l.limit}`);
});

test("cuts multiplicatively when latency rises well above its floor (queueing), then grows additively", async () => {
  const c = clock();
  const l = new AdaptiveLimiter({ initial: 64, now: c.now });
  for (let i = 0; i < 3; i++) await round(l, c, 2);
  await round(l, c, 4); // twice the floor: the server queues
  const [before, cut] = l.history.slice(-2);
  assert.match(cut!.why, /latency 2\.00× floor/);
  assert.equal(cut!.limit, Math.floor(before!.limit * 0.85));
  assert.equal(l.limit, cut!.limit);
  const afterCut = l.limit;
  await round(l, c, 2);
  assert.equal(l.limit, afterCut + 4, "after the first congestion, growth is additive");
});

test("backs off on 429/503 and never goes below its minimum", async () => {
  const c = clock();
  const l = new AdaptiveLimiter({ initial: 100, min: 2, now: c.now });
  const start = l.limit;
  l.onResult("overloaded");
  assert.equal(l.limit, 85);
  l.onResult("overloaded"); // same burst: one cut
  assert.equal(l.limit, 85);
  for (let i = 0; i < 60; i++) c.advance(1000), l.onResult("overloaded");
  assert.equal(l.limit, 2);
  assert.ok(l.limit < start);
  assert.ok(l.history.some((h) => h.why.startsWith("overloaded")));
});

test("does not grow when demand never reaches the cap", async () => {
  const c = clock();
  const l = new AdaptiveLimiter({ initial: 32, now: c.now });
  for (let i = 0; i < 10; i++) {
    const release = await l.acquire();
    c.advance(100);
    for (let k = 0; k < 20; k++) l.onResult("ok", { latencyMs: 216, completionTokens: 100 });
    release();
  }
  assert.equal(l.limit, 32);
});

test("waiters get slots in order as the cap allows, and an abort leaves the queue", async () => {
  const l = new AdaptiveLimiter({ initial: 1 });
  const first = await l.acquire();
  const order: number[] = [];
  const ctrl = new AbortController();
  const a = l.acquire().then((r) => (order.push(1), r));
  const b = l.acquire(ctrl.signal).catch((e: Error) => (order.push(-2), e));
  const c = l.acquire().then((r) => (order.push(3), r));
  ctrl.abort();
  await b;
  first();
  (await a)();
  (await c)();
  assert.deepEqual(order, [-2, 1, 3]);
  assert.equal(l.active, 0);
});
