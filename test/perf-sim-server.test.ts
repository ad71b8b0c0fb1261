import { test } from "node:test";
import assert from "node:assert/strict";
import { blockKeys, startSimServer } from "./support/sim-server.js";
import { until } from "./support/cli.js";

const DOC = Array.from({ length: 120 }, (_, i) => `Sentence ${i} says the bridge carries ${i * 7} tonnes across the river Lune.`).join(" ");

function body(instructions: string, first: "doc" | "instructions") {
  const docBlock = `<document>\n${DOC}\n</document>\n\n`;
  return {
    model: "sim",
    messages: [
      { role: "system", content: "You are a careful annotator." },
      { role: "user", content: first === "doc" ? docBlock + instructions : instructions + docBlock },
    ],
    response_format: { type: "json_schema", json_schema: { name: "filter_verdict", schema: { type: "object" } } },
  };
}

async function post(url: string, b: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) });
  return { status: res.status, json: await res.json() };
}

test("block keys are chained: equal prefixes share keys, a change alters every key after it", () => {
  const a = blockKeys("x".repeat(64) + "y".repeat(64) + "z".repeat(64), 64);
  const b = blockKeys("x".repeat(64) + "Y".repeat(64) + "z".repeat(64), 64);
  assert.equal(a.length, 3);
  assert.equal(a[0], b[0]);
  assert.notEqual(a[1], b[1]);
  assert.notEqual(a[2], b[2]);
  assert.equal(blockKeys("short", 64).length, 0);
});

test("prefix cache: a second call on the same document prefix reports its tokens as cached", async () => {
  const sim = await startSimServer({ overheadMs: 1, prefillMsPer1k: 1, decodeMsPerToken: 0 });
  try {
    const first = await post(sim.url, body("Task: decide.", "doc"));
    assert.equal(first.status, 200);
    assert.equal(first.json.usage.prompt_tokens_details.cached_tokens, 0);
    const second = await post(sim.url, body("Task: classify it instead.", "doc"));
    const cached = second.json.usage.prompt_tokens_details.cached_tokens;
    assert.ok(cached > 0.9 * (second.json.usage.prompt_tokens - 20), `most of the prompt cached: ${cached}/${second.json.usage.prompt_tokens}`);
    assert.ok(cached < second.json.usage.prompt_tokens);
    // Instructions before the document: different leading text, so nothing after it is reused.
    const third = await post(sim.url, body("Task: something else entirely, with its own words.", "instructions"));
    assert.ok(third.json.usage.prompt_tokens_details.cached_tokens < 20);
    const g = await sim.gauges();
    assert.equal(g.requests, 3);
    assert.equal(g.cached_tokens, cached + third.json.usage.prompt_tokens_details.cached_tokens);
    assert.equal(g.uncached_tokens, g.prompt_tokens - g.cached_tokens);
  } finally {
    await sim.close();
  }
});

test("requests beyond capacity queue; running sequences never exceed capacity", async () => {
  const sim = await startSimServer({ capacity: 2, overheadMs: 40, prefillMsPer1k: 0, decodeMsPerToken: 0, cacheTokens: 0, sampleMs: 2 });
  try {
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => post(sim.url, body(`Task ${i}.`, "doc"))));
    assert.ok(replies.every((r) => r.status === 200));
    const g = await sim.gauges();
    assert.equal(g.requests, 8);
    assert.equal(g.capacity, 2);
    assert.ok(g.running_p95 <= 2, `running p95 ${g.running_p95}`);
    assert.ok(g.queue_p95 >= 1, `queued p95 ${g.queue_p95}`);
  } finally {
    await sim.close();
  }
});

test("a degraded server refuses requests beyond its queue with 503, and recovers", async () => {
  const sim = await startSimServer({ capacity: 4, overheadMs: 30, prefillMsPer1k: 0, decodeMsPerToken: 0, cacheTokens: 0 });
  try {
    await sim.degrade({ capacity: 1, maxQueue: 1 });
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => post(sim.url, body(`Task ${i}.`, "doc"))));
    const statuses = replies.map((r) => r.status).sort();
    assert.ok(statuses.filter((s) => s === 503).length >= 3, `statuses ${statuses}`);
    assert.ok(statuses.includes(200));
    assert.ok((await sim.gauges()).refused >= 3);
    await sim.degrade(null);
    const again = await Promise.all(Array.from({ length: 6 }, (_, i) => post(sim.url, body(`Task ${i}.`, "doc"))));
    assert.ok(again.every((r) => r.status === 200));
  } finally {
    await sim.close();
  }
});

test("close() with requests still queued releases them and closes", async () => {
  // One sequence at a time and a long request: the other two are certainly queued when close() runs.
  const sim = await startSimServer({ capacity: 1, overheadMs: 60_000, prefillMsPer1k: 0, decodeMsPerToken: 0, cacheTokens: 0, sampleMs: 2 });
  const replies = Array.from({ length: 3 }, (_, i) => post(sim.url, body(`Task ${i}.`, "doc")).catch((e: Error) => e));
  await until(async () => (await sim.gauges()).queue_p95 >= 2, "two requests queued behind the running one");
  await sim.close();
  for (const r of await Promise.all(replies)) assert.ok(r instanceof Error, "the sockets were closed under them");
});
