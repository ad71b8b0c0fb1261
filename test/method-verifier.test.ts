/**
 * The method's promises that a fake model can still show: an independent verifier (its own
 * brief, temperature 0, work before verdicts), aliases only when confirmed, answerability
 * judged without the document, bounded replies, no pair lost in the efficient plan, and
 * personas that know of each other. All through the real pipeline and the fake server's HTTP.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFileSync, writeFileSync } from "node:fs";
import type { FakeHandler, FakeRequestContext } from "./support/fake-openai-server.js";
import { fakeAnswerable, fakePair, stageHandlers } from "./support/fake-stage-handlers.js";
import { EXAMPLES, readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { assertStatsAddUp } from "./support/stats-invariants.js";
import { STAGE_SAMPLING } from "../src/stages/sampling.js";
import { ANSWERABLE_DEFINITION } from "../src/quality/answerable.js";
import { handbook } from "../src/prompts/handbook.js";

/** The first few example documents: enough for every branch, quick on a busy machine. */
function someExamples(n: number): string {
  const file = join(tempDir(), "some.jsonl");
  const lines = readFileSync(EXAMPLES, "utf8").split("\n").filter(Boolean).slice(0, n);
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/** Handlers that also keep the request context of every call they answer. */
function recording(seen: FakeRequestContext[], overrides: Record<string, FakeHandler> = {}): Record<string, FakeHandler> {
  const all = { ...stageHandlers, ...overrides };
  return Object.fromEntries(Object.entries(all).map(([name, h]) => [name, (ctx: FakeRequestContext) => (seen.push(ctx), h(ctx))]));
}

test("one definition of answerable: the handbook and the blind judge quote it word for word", async () => {
  const { ANSWERABILITY_SYSTEM } = await import("../src/prompts/answerability.js");
  assert.ok(handbook(["Math"], 3).includes(ANSWERABLE_DEFINITION));
  assert.ok(ANSWERABILITY_SYSTEM.includes(ANSWERABLE_DEFINITION));
});

for (const plan of ["paper", "efficient"] as const) {
  test(`${plan} plan: every call carries its stage's temperature and a max_tokens; the verifier works before it judges`, async () => {
    const seen: FakeRequestContext[] = [];
    const fake = await startStageServer({ handlers: recording(seen) });
    try {
      const res = await runOn(fake, [someExamples(8)], tempDir(), { plan });
      assert.ok(res.stats.qa_accepted > 0);
      const checkSchema = plan === "paper" ? "check_verdict" : "check_verdicts";
      for (const ctx of seen) {
        assert.equal(typeof ctx.body.max_tokens, "number", `${ctx.schemaName}: max_tokens sent`);
        assert.equal(typeof ctx.body.temperature, "number", `${ctx.schemaName}: temperature sent`);
        if (/^(check|answerable|filter|identify)/.test(ctx.schemaName ?? "")) assert.equal(ctx.body.temperature, 0, `${ctx.schemaName} judges at temperature 0`);
      }
      const checks = seen.filter((c) => c.schemaName === checkSchema);
      assert.ok(checks.length > 0);
      for (const c of checks) {
        const verdict = plan === "paper" ? (c.jsonSchema as any) : Object.values((c.jsonSchema as any).properties)[0];
        const fields = Object.keys((verdict as any).properties);
        const firstVerdict = Math.min(...["correct", "grounded", "unique", "self_contained", "leakage"].map((f) => fields.indexOf(f)));
        for (const work of ["evidence", "own_answer", "notes"]) assert.ok(fields.indexOf(work) >= 0 && fields.indexOf(work) < firstVerdict, `${work} comes before the verdicts: ${fields}`);
        assert.ok(c.messages[c.messages.length - 1]!.content.includes("Task: VERIFY."));
      }
    } finally {
      await fake.close();
    }
  });
}

test("the config's per-stage sampling overrides the stage defaults", async () => {
  const seen: FakeRequestContext[] = [];
  const fake = await startStageServer({ handlers: recording(seen) });
  try {
    await runOn(fake, [someExamples(3)], tempDir(), { llm: { stages: { check: { temperature: 0.3, maxTokens: 999 } } } });
    const checks = seen.filter((c) => c.schemaName === "check_verdict");
    const writes = seen.filter((c) => c.schemaName === "generated_pair");
    assert.ok(checks.length > 0 && writes.length > 0);
    for (const c of checks) assert.deepEqual([c.body.temperature, c.body.max_tokens], [0.3, 999]);
    for (const w of writes) assert.deepEqual([w.body.temperature, w.body.max_tokens], [STAGE_SAMPLING.generate!.temperature, STAGE_SAMPLING.generate!.base]);
  } finally {
    await fake.close();
  }
});

test("a looping model costs at most max_tokens per call; the cut reply is a counted rejection with its raw text", async () => {
  const fake = await startStageServer();
  fake.addFault({ kind: "loop", times: Infinity, match: (c) => c.schemaName === "generated_pair" });
  const out = tempDir();
  try {
    const res = await runOn(fake, [someExamples(4)], out);
    const writes = fake.requests.filter((r) => r.schemaName === "generated_pair");
    assert.ok(writes.length > 0);
    for (const w of writes) assert.ok(w.completionTokens <= STAGE_SAMPLING.generate!.base, `${w.completionTokens} completion tokens`);
    const cut = readJsonl(join(out, "rejected")).filter((r) => r.reason === "generate.invalid_output");
    assert.ok(cut.length > 0 && cut.length * 2 === writes.length, "each pair: one call and one corrective turn, then a rejection");
    for (const r of cut) {
      assert.match(r.detail, /cut off at the token limit/);
      assert.ok(r.raw.startsWith('{"question": "and then the same clause again'), "the raw text is kept");
    }
    assert.equal(res.stats.qa_accepted, 0);
    assertStatsAddUp(res.stats);
  } finally {
    await fake.close();
  }
});

test("aliases the verifier does not confirm are dropped and never reach the record", async () => {
  const generated_pair: FakeHandler = (ctx) => {
    const pair = stageHandlers.generated_pair!(ctx) as ReturnType<typeof fakePair>;
    // One written form of the answer, and one other answer that must not become a reward alias.
    return { ...pair, aliases: [`the ${pair.answer}`, "something else entirely"] };
  };
  const fake = await startStageServer({ handlers: { generated_pair } });
  const out = tempDir();
  try {
    await runOn(fake, [someExamples(8)], out);
    const qa = readJsonl(join(out, "qa"));
    assert.ok(qa.length > 0);
    for (const r of qa) assert.deepEqual(r.aliases, [`the ${r.answer}`], "only the confirmed alias is kept");
  } finally {
    await fake.close();
  }
});

for (const plan of ["paper", "efficient"] as const) {
  test(`${plan} plan: answerability is judged from the question alone; unanswerable pairs are rejected with what they need`, async () => {
    const seen: FakeRequestContext[] = [];
    // The judge finds every question that quotes a sentence with a number unanswerable.
    const judge = (q: string) => (/\d/.test(q) ? { needs: "the figure's setting", answerable: false } : fakeAnswerable(q));
    const overrides: Record<string, FakeHandler> = {
      answerable_verdict: (ctx) => judge(/^Question: (.*)$/m.exec(ctx.userText)![1]!),
      answerable_verdicts: (ctx) => {
        const qs = [...ctx.userText.matchAll(/^(Q\d+)\. (.*)$/gm)];
        return Object.fromEntries(qs.map((m) => [m[1]!, judge(m[2]!)]));
      },
    };
    const fake = await startStageServer({ handlers: recording(seen, overrides) });
    const out = tempDir();
    try {
      const res = await runOn(fake, [someExamples(10)], out, { plan });
      const judged = seen.filter((c) => c.schemaName?.startsWith("answerable_"));
      assert.ok(judged.length > 0);
      for (const c of judged) {
        assert.equal(c.document, undefined, "no document");
        assert.ok(!c.userText.includes("Proposed answer"), "no answer");
      }
      const qa = readJsonl(join(out, "qa"));
      const rejected = readJsonl(join(out, "rejected")).filter((r) => r.reason === "answerable.not_answerable");
      assert.ok(qa.length > 0 && rejected.length > 0);
      for (const r of qa) assert.ok(!/\d/.test(r.question) && r.checks.answerable === true);
      for (const r of rejected) assert.ok(/\d/.test(r.pair.question) && r.detail === "needs: the figure's setting");
      assertStatsAddUp(res.stats);
    } finally {
      await fake.close();
    }
  });
}

test("efficient plan on a schema-driven model: every pair gets a verdict, none is lost for its numbering", async () => {
  // No handlers for the efficient plan's generate and check: the fake fills any valid value from the schema.
  const { generated_pairs: _g, check_verdicts: _c, ...rest } = stageHandlers;
  const { startFakeOpenAI } = await import("./support/fake-openai-server.js");
  const fake = await startFakeOpenAI({ handlers: rest });
  const out = tempDir();
  try {
    const res = await runOn(fake, [someExamples(10)], out, { plan: "efficient" });
    const s = res.stats;
    assert.ok(s.funnel.pairs_generated > 0);
    assert.ok(!Object.keys(s.rejections).some((c) => /missing|invalid_output/.test(c)), JSON.stringify(s.rejections));
    assertStatsAddUp(s);
  } finally {
    await fake.close();
  }
});

test("efficient plan: a reply that leaves a pair without a verdict gets the corrective turn, then each pair is rejected with the raw text", async () => {
  const drop: FakeHandler = (ctx) => {
    const all = stageHandlers.check_verdicts!(ctx) as Record<string, unknown>;
    const { Q2: _dropped, ...rest } = all;
    return Object.keys(all).length > 1 ? rest : all;
  };
  const fake = await startStageServer({ handlers: { check_verdicts: drop } });
  const out = tempDir();
  try {
    const res = await runOn(fake, [someExamples(6)], out, { plan: "efficient" });
    const rejected = readJsonl(join(out, "rejected")).filter((r) => r.reason === "check.invalid_output");
    assert.ok(rejected.length > 0);
    for (const r of rejected) assert.ok(r.raw && r.pair?.question && /Q2/.test(r.detail), r.detail);
    // Two calls (the reply and the corrective turn) for every document whose verdicts were incomplete, one for the others.
    const checks = fake.requests.filter((r) => r.schemaName === "check_verdicts");
    const incomplete = new Set(rejected.map((r) => r.doc_id)).size;
    assert.equal(checks.length, new Set(checks.map((r) => r.document)).size + incomplete);
    assertStatsAddUp(res.stats);
  } finally {
    await fake.close();
  }
});

test("paper plan: each persona's call lists the document's other personas and names its own", async () => {
  const seen: FakeRequestContext[] = [];
  const fake = await startStageServer({ handlers: recording(seen) });
  try {
    await runOn(fake, [someExamples(6)], tempDir());
    const writes = seen.filter((c) => c.schemaName === "generated_pair");
    assert.ok(writes.length >= 3);
    const byDoc = new Map<string, string[]>();
    for (const w of writes) {
      const task = w.userText.slice(w.userText.indexOf("Task: WRITE"));
      assert.match(task, /Personas:\nP1\. .+; wants: .+\nP2\. /);
      byDoc.set(w.document!, [...(byDoc.get(w.document!) ?? []), /Write for (P\d+) only\./.exec(task)![1]!]);
    }
    for (const labels of byDoc.values()) assert.deepEqual([...labels].sort(), labels.map((_, i) => `P${i + 1}`), "each persona written for once");
  } finally {
    await fake.close();
  }
});

for (const plan of ["paper", "efficient"] as const) {
  test(`${plan} plan: near-identical pairs of one document are caught before the check call`, async () => {
    const same = (ctx: FakeRequestContext) => {
      const p = fakePair(ctx.document ?? "", "reader");
      return { ...p, question: p.question.replace("A reader is", "Someone is") };
    };
    const overrides: Record<string, FakeHandler> = {
      generated_pair: same,
      generated_pairs: (ctx) => Object.fromEntries(Object.keys((ctx.jsonSchema as any).properties).map((k) => [k, same(ctx)])),
    };
    const fake = await startStageServer({ handlers: overrides });
    const out = tempDir();
    try {
      const res = await runOn(fake, [someExamples(6)], out, { plan });
      const dups = readJsonl(join(out, "rejected")).filter((r) => r.reason === "check.duplicate_pair");
      assert.ok(dups.length > 0);
      assert.equal(res.stats.funnel.pairs_checked + (res.stats.rejections["check.answer_in_question"] ?? 0), res.stats.funnel.identified, "one pair per document reaches the verifier");
      assertStatsAddUp(res.stats);
    } finally {
      await fake.close();
    }
  });
}
