/**
 * K plain-text samples of one prompt through the model layer (`LlmClient.sample`), against the
 * fake server with a policy that answers a known question right with a set probability: one
 * request with `n`, the fallback to one request per sample when a server refuses or ignores
 * `n` (the same samples either way), retries, accounting, several endpoints, the Batch API,
 * and a limiter that counts a K-sample request as K sequences.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLlmClient } from "../src/llm/index.js";
import { FixedLimiter } from "../src/llm/limiter.js";
import { AdaptiveLimiter } from "../src/llm/adaptive-limiter.js";
import { policyMessages } from "../src/export/policy-prompt.js";
import { DEFAULT_POLICY_TEMPLATE } from "../src/policy-format.js";
import { extractAnswer } from "../src/reward/extract.js";
import { chatRequests, startFakeOpenAI, type FakeOpenAIOptions } from "./support/fake-openai-server.js";
import { drawIsRight, policyFor, WRONG_ANSWER } from "./support/fake-policy.js";
import { startBatchServer, FAST } from "./support/fake-batch-api.js";
import { createBatchClient } from "../src/llm/batch-engine.js";
import { llmConfig } from "./support/llm-config.js";
import { until } from "./support/cli.js";

const QUESTION = "A tank holds 1,200 litres and drains at 40 litres per minute: how many minutes until it is empty?";
const policy = policyFor([{ question: QUESTION, answer: "30", p: 3 / 8 }]);
const messages = policyMessages({ template: DEFAULT_POLICY_TEMPLATE }, QUESTION);
const chat = chatRequests;
const answers = (r: { samples: { text: string }[] }) => r.samples.map((s) => extractAnswer(s.text).text);

async function sampleOn(opts: FakeOpenAIOptions, n = 8, seed = 0) {
  const fake = await startFakeOpenAI({ policy, ...opts });
  const logs: string[] = [];
  const client = await createLlmClient(llmConfig(fake.url), { log: (m) => logs.push(m) });
  try {
    const r = await client.sample({ stage: "rollout", messages, n, sampling: { temperature: 1, max_tokens: 256, seed } });
    return { r, fake, stats: client.stats(), logs };
  } finally {
    await client.close();
    await fake.close();
  }
}

test("the fake policy: draws 0..K-1 hold exactly floor(K·p) right ones, however the draws are numbered", () => {
  for (const [p, k, right] of [[3 / 8, 8, 3], [0.1, 10, 1], [0, 8, 0], [1, 8, 8], [0.5, 16, 8], [2 / 3, 9, 6]] as const) {
    assert.equal(Array.from({ length: k }, (_, d) => drawIsRight(p, d)).filter(Boolean).length, right, `p=${p} K=${k}`);
  }
});

test("sample with n: one request, K choices in draw order, the prompt counted once", async () => {
  const { r, fake, stats } = await sampleOn({});
  assert.equal(r.samples.length, 8);
  assert.equal(r.requests, 1);
  const reqs = chat(fake);
  assert.equal(reqs.length, 1);
  assert.equal(reqs[0]!.n, 8);
  assert.equal(reqs[0]!.choices, 8);
  assert.equal(reqs[0]!.seed, 0);
  assert.equal(reqs[0]!.mode, "none", "plain text: no response_format");
  const expected = Array.from({ length: 8 }, (_, d) => (drawIsRight(3 / 8, d) ? "30" : WRONG_ANSWER));
  assert.deepEqual(answers(r), expected);
  assert.equal(answers(r).filter((a) => a === "30").length, 3);
  assert.equal(r.usage.prompt_tokens, reqs[0]!.promptTokens, "the prompt once for all K choices");
  assert.equal(r.usage.completion_tokens, reqs[0]!.completionTokens);
  assert.equal(stats.requests, 1);
  assert.equal(stats.retries, 0);
  assert.equal(stats.by_stage.rollout!.prompt_tokens, reqs[0]!.promptTokens);
  assert.equal(stats.by_stage.rollout!.completion_tokens, r.usage.completion_tokens);
});

test("a server that refuses n: one request per sample, the same samples; remembered for the next prompt", async () => {
  const withN = await sampleOn({});
  const fake = await startFakeOpenAI({ policy, n: "refused" });
  const logs: string[] = [];
  const client = await createLlmClient(llmConfig(fake.url), { log: (m) => logs.push(m) });
  try {
    const r = await client.sample({ stage: "rollout", messages, n: 8, sampling: { temperature: 1, max_tokens: 256, seed: 0 } });
    assert.deepEqual(r.samples, withN.r.samples, "the same samples as with n");
    const reqs = chat(fake);
    assert.equal(reqs.length, 9, "the refused request, then 8 single ones");
    assert.equal(reqs[0]!.status, 400);
    assert.deepEqual(reqs.slice(1).map((q) => q.seed).sort((a, b) => a! - b!), [0, 1, 2, 3, 4, 5, 6, 7], "sample i drawn with seed + i");
    assert.ok(reqs.slice(1).every((q) => q.n === undefined && q.status === 200));
    assert.equal(r.requests, 8);
    assert.equal(r.usage.prompt_tokens, 8 * reqs[1]!.promptTokens, "the prompt is paid K times");
    assert.equal(client.stats().requests, 9);
    assert.equal(client.stats().retries, 1, "only the resend after the refusal is a retry");
    assert.equal(logs.filter((l) => /refuses n \(HTTP 400/.test(l)).length, 1);

    await client.sample({ stage: "rollout", messages, n: 4, sampling: { temperature: 1, max_tokens: 256, seed: 0 } });
    assert.equal(chat(fake).length, 13, "no second try with n");
  } finally {
    await client.close();
    await fake.close();
  }
});

test("a server that ignores n (one choice back): the rest one per request, the same samples", async () => {
  const withN = await sampleOn({});
  const { r, fake, logs } = await sampleOn({ n: "ignored" });
  assert.deepEqual(r.samples, withN.r.samples);
  const reqs = chat(fake);
  assert.equal(reqs.length, 8);
  assert.equal(reqs[0]!.n, 8);
  assert.equal(reqs[0]!.choices, 1);
  assert.equal(r.requests, 8);
  assert.ok(logs.some((l) => /answered 1 of n=8 choices/.test(l)));
});

test("another seed draws other samples; a prompt the policy does not know gets a non-answer", async () => {
  const a = await sampleOn({}, 8, 0);
  const b = await sampleOn({}, 8, 5);
  assert.deepEqual(answers(b.r), Array.from({ length: 8 }, (_, i) => (drawIsRight(3 / 8, 5 + i) ? "30" : WRONG_ANSWER)));
  assert.notDeepEqual(answers(a.r), answers(b.r));
  const fake = await startFakeOpenAI({ policy });
  const client = await createLlmClient(llmConfig(fake.url));
  try {
    const r = await client.sample({ stage: "rollout", messages: policyMessages({ template: DEFAULT_POLICY_TEMPLATE }, "What is unknown?"), n: 2 });
    assert.equal(r.samples.length, 2);
    assert.ok(r.samples.every((s) => !s.text.includes("<answer>")));
  } finally {
    await client.close();
    await fake.close();
  }
});

test("samples cut at max_tokens are marked; retries on 429 and 500 keep the same samples", async () => {
  const clean = await sampleOn({});
  const fake = await startFakeOpenAI({ policy });
  fake.addFault({ kind: "429", retryAfterMs: 5 });
  fake.addFault({ kind: "500" });
  const client = await createLlmClient(llmConfig(fake.url, { maxRetries: 4 }), {});
  try {
    const r = await client.sample({ stage: "rollout", messages, n: 8, sampling: { temperature: 1, max_tokens: 256, seed: 0 } });
    assert.deepEqual(r.samples, clean.r.samples);
    assert.equal(client.stats().requests, 3);
    assert.equal(client.stats().retries, 2);
    const cut = await client.sample({ stage: "rollout", messages, n: 3, sampling: { max_tokens: 3, seed: 0 } });
    assert.ok(cut.samples.every((s) => s.truncated));
  } finally {
    await client.close();
    await fake.close();
  }
});

test("several endpoints: one that refuses n and one that has it both serve, each remembered on its own", async () => {
  const refusing = await startFakeOpenAI({ policy, n: "refused" });
  const good = await startFakeOpenAI({ policy });
  const client = await createLlmClient(llmConfig([refusing.url, good.url]));
  try {
    const want = (await sampleOn({})).r.samples;
    for (let i = 0; i < 4; i++) {
      const r = await client.sample({ stage: "rollout", messages, n: 8, sampling: { temperature: 1, max_tokens: 256, seed: 0 } });
      assert.deepEqual(r.samples, want);
    }
    assert.ok(chat(good).some((q) => q.n === 8 && q.choices === 8), "the endpoint with n got n");
    assert.equal(chat(refusing).filter((q) => q.n === 8).length, 1, "the refusing endpoint was asked for n once");
  } finally {
    await client.close();
    await refusing.close();
    await good.close();
  }
});

test("the Batch API engine draws the same samples: n in the batch line, or one line per draw when refused", async () => {
  const want = (await sampleOn({})).r.samples;
  for (const n of ["supported", "refused"] as const) {
    const server = await startBatchServer({ policy, n });
    const dir = mkdtempSync(join(tmpdir(), "wsrl-batch-sample-"));
    const client = await createBatchClient(llmConfig(server.fake.url), { ...FAST, stateDir: dir });
    try {
      const r = await client.sample({ stage: "rollout", messages, n: 8, sampling: { temperature: 1, max_tokens: 256, seed: 0 } });
      assert.deepEqual(r.samples, want, `n ${n}`);
      const lines = server.batch.submissions.reduce((a, s) => a + s.customIds.length, 0);
      assert.equal(lines, n === "supported" ? 1 : 9);
      // Unseeded draws are separate batch lines (identical requests would otherwise share one line).
      const unseeded = await client.sample({ stage: "rollout", messages, n: 3, sampling: { temperature: 1, max_tokens: 256 } });
      assert.equal(unseeded.samples.length, 3);
    } finally {
      await client.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("limiters count a K-sample request as K sequences; a heavier request than the cap runs alone", async () => {
  for (const limiter of [new FixedLimiter(8), new AdaptiveLimiter({ initial: 8, max: 8 })]) {
    const order: string[] = [];
    // Assertions get a copy: deepEqual narrows its argument's type, and `order` grows later.
    const seen = () => [...order];
    const heavy = await limiter.acquire(undefined, 0, 8);
    const light = limiter.acquire(undefined, 0, 1).then((r) => (order.push("light"), r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen(), [], "the cap is full with one 8-sample request");
    heavy();
    (await light)();
    assert.deepEqual(seen(), ["light"]);

    const held = await limiter.acquire(undefined, 0, 1);
    const tooHeavy = limiter.acquire(undefined, 0, 20).then((r) => (order.push("heavy"), r));
    const after = limiter.acquire(undefined, 0, 1).then((r) => (order.push("after"), r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen(), ["light"], "a waiting heavy request is not overtaken");
    held();
    (await tooHeavy)();
    (await after)();
    assert.deepEqual(seen(), ["light", "heavy", "after"]);
  }
});

test("requests queued before a refusal of n go out as singles at a single's weight: the cap fills with them", async () => {
  // Concurrency 8 and four K = 8 prompts at once: the first asks with n and is refused while the
  // other three wait for the room of 8 sequences. Each must then run as one sequence: the
  // server holds every reply until four requests run side by side, which a single that kept
  // the weight of 8 (one at a time under the cap) would never let happen.
  let held = 0;
  let peak = 0;
  let open = false;
  const waiting: (() => void)[] = [];
  const fake = await startFakeOpenAI({
    policy,
    n: "refused",
    beforeReply: async () => {
      peak = Math.max(peak, ++held);
      if (!open) await new Promise<void>((r) => waiting.push(r));
      held--;
    },
  });
  const client = await createLlmClient(llmConfig(fake.url, { concurrency: 8 }));
  try {
    const want = (await sampleOn({})).r.samples;
    const runs = Array.from({ length: 4 }, () => client.sample({ stage: "rollout", messages, n: 8, sampling: { temperature: 1, max_tokens: 256, seed: 0 } }));
    await until(() => held >= 4, "four single requests at the server at once", 60_000);
    open = true;
    for (const wake of waiting.splice(0)) wake();
    for (const r of await Promise.all(runs)) assert.deepEqual(r.samples, want);
    assert.ok(peak >= 4 && peak <= 8, `at most the cap and at least the four prompts ran side by side (peak ${peak})`);
    assert.equal(chat(fake).filter((q) => q.n === 8).length, 1, "only the first asked with n: the others were still waiting when it was refused");
  } finally {
    await client.close();
    await fake.close();
  }
});

test("the adaptive limiter counts a round in sequences: K-sample requests end a round as fast as K singles", () => {
  let t = 0;
  const limiter = new AdaptiveLimiter({ initial: 8, max: 64, now: () => t });
  const round = async (requests: number, weight: number) => {
    const releases = await Promise.all(Array.from({ length: requests }, () => limiter.acquire(undefined, 0, weight)));
    t += 1000;
    for (const release of releases) {
      release();
      limiter.onResult("ok", { latencyMs: 1000, completionTokens: 50, sequences: weight });
    }
  };
  return (async () => {
    await round(1, 8);
    assert.equal(limiter.limit, 16, "one 8-sample request fills the limit of 8: a round, and slow start doubles");
    await round(2, 8);
    assert.equal(limiter.limit, 32, "two fill 16");
  })();
});
