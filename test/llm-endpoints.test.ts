import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { z } from "zod";
import { createOpenAIClient } from "../src/llm/openai-engine.js";
import { startFakeOpenAI, type FakeHandler } from "./support/fake-openai-server.js";
import { docMessages, llmConfig } from "./support/llm-config.js";

const Verdict = z.object({ keep: z.boolean() });
const FAST = { backoff: { baseMs: 1, capMs: 5 } };

/** A handler that holds every request until `open()` is called; counts arrivals. */
function gate() {
  let open!: () => void;
  let opened = new Promise<void>((r) => (open = r));
  const g = {
    arrived: 0,
    handler: (async () => {
      g.arrived++;
      await opened;
      return { keep: true };
    }) as FakeHandler,
    open: () => open(),
    close: () => {
      opened = new Promise<void>((r) => (open = r));
    },
  };
  return g;
}

/** Waits for `cond` (the test's own timeout bounds the wait: a slow machine is not a failure). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await delay(10);
}

/** Requests held by a gate must not time out (and be retried) while the test looks at them, however slow the machine. */
const PATIENT = { timeoutMs: 600_000 };

test("two endpoints: requests go to the one with fewer in flight", async (t) => {
  const ga = gate();
  const gb = gate();
  const a = await startFakeOpenAI({ handlers: { v: ga.handler } });
  const b = await startFakeOpenAI({ handlers: { v: gb.handler } });
  t.after(async () => {
    ga.open();
    gb.open();
    await a.close();
    await b.close();
  });
  const client = await createOpenAIClient(llmConfig([a.url, b.url], PATIENT), FAST);
  const ask = () => client.complete({ stage: "filter", messages: docMessages("Some text here."), schema: Verdict, schemaName: "v" });

  let settled = 0;
  const first = Array.from({ length: 4 }, () => ask().finally(() => settled++));
  await until(() => ga.arrived + gb.arrived === 4);
  assert.deepEqual([ga.arrived, gb.arrived], [2, 2]);

  // b finishes its two; a still holds two, so the next requests all go to b. Wait until the
  // client has its two replies (not merely until b has sent them): only then is b free.
  gb.open();
  await until(() => settled === 2);
  await ask();
  await ask();
  assert.deepEqual([ga.arrived, gb.arrived], [2, 4]);
  ga.open();
  await Promise.all(first);
  const s = client.stats();
  assert.equal(s.by_endpoint![a.url].requests, 2);
  assert.equal(s.by_endpoint![b.url].requests, 4);
  assert.equal(s.requests, 6);
});

test("an endpoint that keeps failing is ejected; the healthy one serves everything; it is probed back in", async (t) => {
  const bad = await startFakeOpenAI();
  const good = await startFakeOpenAI();
  t.after(async () => {
    await bad.close();
    await good.close();
  });
  bad.addFault({ kind: "500", times: Infinity });
  const logs: string[] = [];
  // The cooldown runs on the test's clock: it ends when the test says, not when the machine is slow.
  let now = 1_000_000;
  const client = await createOpenAIClient(llmConfig([bad.url, good.url], { maxRetries: 3 }), {
    ...FAST,
    ejection: { failures: 3, cooldownMs: 400, now: () => now },
    log: (m) => logs.push(m),
  });
  const ask = () => client.complete({ stage: "check", messages: docMessages("Text."), schema: Verdict, schemaName: "v" });
  for (let i = 0; i < 12; i++) assert.deepEqual((await ask()).value, { keep: true });
  assert.equal(bad.requests.length, 3, "ejected after 3 consecutive failures");
  assert.equal(good.requests.filter((r) => r.status === 200).length, 12);
  assert.ok(logs.some((l) => l.includes(`endpoint ${bad.url} ejected`)));
  const s = client.stats();
  assert.equal(s.errors, 0);
  assert.equal(s.retries, 3, "each failure was retried on the healthy endpoint");
  assert.equal(s.by_endpoint![bad.url].requests, 3);

  // After the cooldown a probe lets the repaired endpoint back in.
  bad.clearFaults();
  now += 450;
  for (let i = 0; i < 6; i++) await ask();
  assert.ok(bad.requests.filter((r) => r.status === 200).length >= 2, "back in rotation after the probe");
  assert.ok(logs.some((l) => l.includes(`endpoint ${bad.url} is back`)));
});

test("concurrency caps requests in flight across stages", async (t) => {
  const g = gate();
  const fake = await startFakeOpenAI({ handlers: { v: g.handler } });
  t.after(async () => {
    g.open();
    await fake.close();
  });
  const client = await createOpenAIClient(llmConfig(fake.url, { concurrency: 2, ...PATIENT }), FAST);
  assert.equal(client.maxConcurrency, 2);
  const all = ["filter", "identify", "generate", "check", "judge"].map((stage) =>
    client.complete({ stage, messages: docMessages("Text."), schema: Verdict, schemaName: "v" }),
  );
  await until(() => g.arrived === 2);
  await delay(100);
  assert.equal(g.arrived, 2, "no third request while two are in flight");
  g.open();
  await Promise.all(all);
  assert.equal(g.arrived, 5);
  const auto = await createOpenAIClient(llmConfig(fake.url, { concurrency: "auto" }), FAST);
  assert.equal(auto.maxConcurrency, 1024, "auto: the adaptive limiter may grow to 1024 (src/llm/adaptive-limiter.ts)");
});

test("an rpm limit spaces requests out", async (t) => {
  const fake = await startFakeOpenAI();
  t.after(() => fake.close());
  // 120 rpm = one request every 500 ms.
  const client = await createOpenAIClient(llmConfig(fake.url, { rpm: 120 }), FAST);
  const order: number[] = [];
  const all = [0, 1, 2].map((i) =>
    client.complete({ stage: "filter", messages: docMessages(`Doc ${i}.`), schema: Verdict, schemaName: "v" }).then(() => order.push(i)),
  );
  await Promise.race(all);
  assert.equal(fake.requests.length, 1, "the others wait their turn");
  await Promise.all(all);
  assert.equal(fake.requests.length, 3);
  assert.deepEqual(order, [0, 1, 2]);
});
