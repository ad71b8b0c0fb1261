import { test } from "node:test";
import assert from "node:assert/strict";
import { startFakeOpenAI, type FakeRequestContext } from "./support/fake-openai-server.js";
import { buildJudge } from "../src/reward/judge-config.js";
import { Scorer } from "../src/reward/score.js";

/** The fake judge: "equivalent" when the response names New York (or the Big Apple). */
function verdict(ctx: FakeRequestContext) {
  const resp = /Response: (.*)/.exec(ctx.userText)?.[1] ?? "";
  return { equivalent: /new york|big apple/i.test(resp) };
}

async function setup() {
  const prompts: string[] = [];
  const fake = await startFakeOpenAI({
    handlers: {
      judge_verdict: (ctx) => {
        prompts.push(ctx.userText);
        return verdict(ctx);
      },
    },
  });
  const judge = (await buildJudge({ baseUrl: fake.url, model: "fake-model", maxRetries: 0, timeoutMs: 5000 }))!;
  const judgeCalls = () => fake.requests.filter((r) => r.schemaName === "judge_verdict").length;
  return { fake, judge, prompts, judgeCalls, close: async () => { await judge.client.close(); await fake.close(); } };
}

const Q = "Which city did the author move to in 1990?";

test("16 identical rollouts of an undecided answer cost one judge call", async () => {
  const s = await setup();
  try {
    const scorer = new Scorer({ judge: s.judge });
    const rollout = (i: number) => ({ question: Q, groundTruth: "New York City", response: `Thinking ${i} ...\n<answer>New York</answer>` });
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => scorer.score(rollout(i))));
    assert.equal(s.judgeCalls(), 1);
    for (const r of results) {
      assert.equal(r.decided_by, "judge");
      assert.equal(r.score, 1);
    }
    assert.equal(results.filter((r) => r.cached).length, 15);
    // Later rollouts, and the same answer written differently, come from the cache.
    const again = await scorer.score({ question: Q, groundTruth: "New York City", response: "<answer>new york.</answer>" });
    assert.equal(again.cached, true);
    assert.equal(again.score, 1);
    assert.equal(s.judgeCalls(), 1);
    // The key includes the question: another question is another call.
    await scorer.score({ question: "Where is the Met?", groundTruth: "New York City", response: "<answer>New York</answer>" });
    assert.equal(s.judgeCalls(), 2);
    const st = scorer.stats();
    assert.equal(st.judge!.calls, 2);
    assert.equal(st.judge!.cache_hits + st.judge!.inflight_joins, 16);
    assert.equal(st.decided_by.judge, 18);
  } finally {
    await s.close();
  }
});

test("the judge sees the question, the reference and the extracted answer, and is asked only about equivalence", async () => {
  const s = await setup();
  try {
    // Not a quantity, no shared word with any form: with --disjoint mismatch the rules decide; no call.
    const cheap = new Scorer({ judge: s.judge, disjoint: "mismatch" });
    const r = await cheap.score({ question: Q, groundTruth: "New York City", aliases: ["NYC"], response: "Long reasoning about Boston...\n<answer>Philadelphia</answer>" });
    assert.equal(r.decided_by, "disjoint");
    assert.equal(s.judgeCalls(), 0);
    const scorer = new Scorer({ judge: s.judge });
    const u = await scorer.score({ question: Q, groundTruth: "New York City", aliases: ["NYC"], response: "Long reasoning about Boston...\n<answer>York</answer>" });
    assert.equal(u.decided_by, "judge");
    assert.equal(u.score, 0);
    // By default a text sharing no word may still be another name ("the Big Apple"): the judge decides.
    const big = await scorer.score({ question: Q, groundTruth: "New York City", aliases: ["NYC"], response: "<answer>the Big Apple</answer>" });
    assert.equal(big.decided_by, "judge");
    assert.equal(big.score, 1);
    const p = s.prompts[0];
    assert.match(p, /Question: Which city did the author move to in 1990\?/);
    assert.match(p, /Reference answer: New York City/);
    assert.match(p, /Also accepted: NYC/);
    assert.match(p, /Response: York/);
    assert.match(p, /equivalent/);
    assert.doesNotMatch(p, /Boston/, "the reasoning is not sent, only the extracted answer");
  } finally {
    await s.close();
  }
});

test("rule-decided pairs never reach the judge", async () => {
  const s = await setup();
  try {
    const scorer = new Scorer({ judge: s.judge });
    for (const [g, r] of [["1,200 km", "1200 kilometers"], ["12", "120"], ["March 5, 1990", "1990-03-05"], ["Paris", "Paris"]])
      assert.notEqual((await scorer.score({ groundTruth: g, response: `<answer>${r}</answer>` })).decided_by, "judge");
    assert.equal(s.judgeCalls(), 0);
  } finally {
    await s.close();
  }
});

test("a failing judge gives score 0 with judge_error, and the failure is not cached", async () => {
  const s = await setup();
  try {
    const scorer = new Scorer({ judge: s.judge });
    s.fake.addFault({ kind: "500", times: Infinity });
    const input = { question: Q, groundTruth: "New York City", response: "<answer>New York</answer>" };
    const bad = await scorer.score(input);
    assert.equal(bad.score, 0);
    assert.equal(bad.verdict, "undecided");
    assert.equal(bad.decided_by, "none");
    assert.ok(bad.judge_error && bad.judge_error.length > 0);
    assert.equal(scorer.stats().judge!.errors, 1);
    s.fake.clearFaults();
    const good = await scorer.score(input);
    assert.equal(good.decided_by, "judge");
    assert.equal(good.cached, false);
    assert.equal(good.score, 1);
  } finally {
    await s.close();
  }
});

test("judge flags: a model without a URL (and the reverse) is a config error that says what to do", async () => {
  await assert.rejects(buildJudge({ model: "m" }), /--judge-base-url/);
  await assert.rejects(buildJudge({ baseUrl: "http://127.0.0.1:1/v1" }), /--judge-model/);
  await assert.rejects(buildJudge({ baseUrl: "not a url", model: "m" }), /not a URL/);
  assert.equal(await buildJudge({}), undefined);
});

test("a failing judge is loud: counted by kind, logged once per kind, degraded until a call succeeds", async () => {
  const fake = await startFakeOpenAI({ handlers: { judge_verdict: () => ({ equivalent: true }) } });
  const logged: string[] = [];
  const judge = (await buildJudge({ baseUrl: fake.url, model: "fake-model", maxRetries: 0, timeoutMs: 5000, log: (l) => logged.push(l) }))!;
  try {
    const scorer = new Scorer({ judge });
    const ask = (i: number) => scorer.score({ question: `Which city, case ${i}?`, groundTruth: "New York City", response: "<answer>New York</answer>" });
    // 401: a wrong key
    fake.addFault({ kind: "401", times: 3 });
    for (const i of [1, 2, 3]) {
      const r = await ask(i);
      assert.equal(r.judge_error_kind, "auth");
      assert.match(r.judge_error!, /401/);
      assert.equal(r.decided_by, "none");
    }
    // Replies that never validate, even after the corrective retry
    fake.addFault({ kind: "malformed", times: 4 });
    for (const i of [4, 5]) assert.equal((await ask(i)).judge_error_kind, "invalid_reply");
    let c = judge.counts();
    assert.deepEqual(c.errors_by_kind, { auth: 3, invalid_reply: 2 });
    assert.equal(c.errors, 5);
    assert.equal(c.degraded, true);
    assert.equal(c.last_error?.kind, "invalid_reply");
    assert.equal(logged.length, 2, "one line per kind");
    assert.match(logged[0], /auth/);
    assert.match(logged[1], /invalid_reply/);
    assert.equal(scorer.stats().judge_failed, 5);
    // A good call clears the degraded state; the counts stay.
    const ok = await ask(6);
    assert.equal(ok.decided_by, "judge");
    c = judge.counts();
    assert.equal(c.degraded, false);
    assert.equal(c.errors, 5);
  } finally {
    await judge.client.close();
    await fake.close();
  }
});

test("an unreachable judge is its own kind of failure", async () => {
  // A port that was just free: nothing listens there.
  const fake = await startFakeOpenAI();
  const url = fake.url;
  await fake.close();
  const judge = (await buildJudge({ baseUrl: url, model: "fake-model", maxRetries: 0, timeoutMs: 5000 }))!;
  try {
    const r = await new Scorer({ judge }).score({ groundTruth: "New York City", response: "<answer>New York</answer>" });
    assert.equal(r.judge_error_kind, "unreachable");
    assert.equal(judge.counts().errors_by_kind.unreachable, 1);
  } finally {
    await judge.client.close();
  }
});
