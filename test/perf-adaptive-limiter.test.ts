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

/**
 * A limiter at 150 with 150 requests in flight: one round of 50 results at the floor (2 ms per
 * token) took it out of 100 by slow start, then 100 more requests filled it.
 */
async function atPeak150(c: ReturnType<typeof clock>) {
  const l = new AdaptiveLimiter({ initial: 100, slowStartFactor: 1.5, now: c.now });
  const held = await Promise.all(Array.from({ length: 100 }, () => l.acquire()));
  c.advance(1000);
  for (const release of held.splice(0, 50)) l.onResult("ok", { latencyMs: 2 * 108, completionTokens: 100 }), release();
  assert.equal(l.limit, 150);
  held.push(...(await Promise.all(Array.from({ length: 100 }, () => l.acquire()))));
  c.advance(5000); // longer than any latency reported below: all these requests were sent at the new limit
  /** Reports one round (75 results) at `perToken` ms per token. */
  const report = (perToken: number) => {
    for (const release of held.splice(0, 75)) l.onResult("ok", { latencyMs: perToken * 108, completionTokens: 100 }), release();
  };
  /** Releases what is still held, without reporting on it. */
  const drain = () => held.splice(0).forEach((release) => release());
  return { l, report, drain };
}

test("cuts toward what the server runs when latency rises well above its floor (queueing), then grows additively", async () => {
  const c = clock();
  const { l, report, drain } = await atPeak150(c);
  report(3.2); // 1.6× the floor: by Little's law the server runs 150 / 1.6 and queues the rest
  const cut = l.history.at(-1)!;
  assert.match(cut.why, /latency 1\.60× floor/);
  assert.equal(cut.limit, Math.floor((150 / 1.6) * 1.15), "the estimate, plus headroom of (1 + 1.3) / 2");
  drain();
  const afterCut = l.limit;
  await round(l, c, 2);
  assert.equal(l.limit, afterCut + 4, "after the first congestion, growth is additive");
});

test("a mild excess over the floor is cut by the multiplicative backoff; a huge one by half at most", async () => {
  const mild = await atPeak150(clock());
  mild.report(2.62); // 1.31× the floor: the estimate (150 / 1.31 × 1.15 = 131) is above the backoff's 127
  assert.match(mild.l.history.at(-1)!.why, /latency 1\.31× floor/);
  assert.equal(mild.l.limit, Math.floor(150 * 0.85));
  const huge = await atPeak150(clock());
  huge.report(40); // 20× the floor: the cut stops at half
  assert.match(huge.l.history.at(-1)!.why, /latency 20\.00× floor/);
  assert.equal(huge.l.limit, 75);
});

test("each limit is judged by its own requests: results of requests sent before a change do not grow it again", async () => {
  const c = clock();
  const l = new AdaptiveLimiter({ initial: 16, slowStartFactor: 2, now: c.now });
  const held = await Promise.all(Array.from({ length: 16 }, () => l.acquire()));
  c.advance(1000);
  for (const release of held.splice(0)) l.onResult("ok", { latencyMs: 216, completionTokens: 100 }), release();
  assert.equal(l.limit, 32, "one round at the floor doubles it");
  // 32 more results at the floor, but from requests sent before the doubling (latency 1.5 s > 1 s ago).
  const more = await Promise.all(Array.from({ length: 32 }, () => l.acquire()));
  c.advance(1000);
  for (const release of more.splice(0)) l.onResult("ok", { latencyMs: 1500, completionTokens: 100 * (1500 / 216) - 8 }), release();
  assert.equal(l.limit, 32, "stale results say nothing about the new limit");
  const fresh = await Promise.all(Array.from({ length: 32 }, () => l.acquire()));
  c.advance(1000);
  for (const release of fresh.splice(0)) l.onResult("ok", { latencyMs: 216, completionTokens: 100 }), release();
  assert.equal(l.limit, 64, "results of requests sent at 32 let it grow");
});

test("backs off on 429/503 and never goes below its minimum", async () => {
  const c = clock();
  const l = new AdaptiveLimiter({ initial: 100, min: 2, now: c.now });
  const start = l.limit;
  l.onResult("overloaded");
  assert.equal(l.limit, 85);
  l.onResult("overloaded"); // same burst: no second cut, one slot less per further refusal
  assert.equal(l.limit, 84);
  for (let i = 0; i < 10; i++) l.onResult("overloaded");
  assert.equal(l.limit, 74);
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
