/** Waiting requests are served later stages first, in arrival order within a stage, for both limiters. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FixedLimiter } from "../src/llm/limiter.js";
import { AdaptiveLimiter } from "../src/llm/adaptive-limiter.js";
import { stagePriority } from "../src/llm/wait-queue.js";
import { LlmError } from "../src/llm/types.js";

for (const [name, make] of [
  ["fixed", () => new FixedLimiter(1)],
  ["adaptive", () => new AdaptiveLimiter({ initial: 1, min: 1 })],
] as const) {
  test(`${name} limiter: a free slot goes to the latest stage waiting, FIFO within a stage`, async () => {
    const limiter = make();
    const first = await limiter.acquire(undefined, stagePriority("filter"));
    const order: string[] = [];
    const waiters = ["filter#1", "identify#1", "check#1", "filter#2", "generate#1", "check#2"].map((label) =>
      limiter.acquire(undefined, stagePriority(label.split("#")[0]!)).then((release) => {
        order.push(label);
        release();
      }),
    );
    first();
    await Promise.all(waiters);
    assert.deepEqual(order, ["check#1", "check#2", "generate#1", "identify#1", "filter#1", "filter#2"]);
  });

  test(`${name} limiter: an aborted waiter leaves the queue`, async () => {
    const limiter = make();
    const held = await limiter.acquire();
    const ac = new AbortController();
    const aborted = limiter.acquire(ac.signal, 4);
    const later = limiter.acquire(undefined, 1);
    ac.abort();
    await assert.rejects(aborted, (e: unknown) => e instanceof LlmError && e.code === "aborted");
    held();
    (await later)();
  });
}
