/** The pipeline end to end on the example corpus, against the fake OpenAI-compatible server over real HTTP. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { QaRecord, Rejection, DocumentRecord, Stats } from "../src/records.js";
import { assertStatsAddUp } from "./support/stats-invariants.js";
import { allFiles, EXAMPLES, readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";

test("paper plan: complete records, coded rejections, stats that add up, no secrets on disk", async () => {
  const fake = await startStageServer();
  const out = tempDir();
  try {
    const res = await runOn(fake, [EXAMPLES], out, { llm: { defaults: { apiKey: "sk-test-SECRET-123456" } } });
    const qa = readJsonl(join(out, "qa"));
    const rejected = readJsonl(join(out, "rejected"));
    const docs = readJsonl(join(out, "documents"));
    assert.ok(qa.length >= 20, `expected plenty of accepted pairs, got ${qa.length}`);
    for (const r of qa) {
      const rec = QaRecord.parse(r);
      assert.ok(rec.question && rec.answer && rec.persona && rec.domain && rec.doc_id && rec.source.file);
      assert.deepEqual(Object.keys(rec.models).sort(), ["answerable", "check", "filter", "generate", "identify"]);
      assert.equal(rec.checks.leakage, false);
      assert.ok(rec.checks.grounded && rec.checks.correct && rec.checks.self_contained && rec.checks.unique && rec.checks.answerable);
      assert.ok(rec.persona_focus, "a persona carries what that reader wants");
    }
    assert.equal(new Set(qa.map((r) => r.id)).size, qa.length, "pair ids are unique");
    for (const r of rejected) {
      const rej = Rejection.parse(r);
      assert.match(rej.reason, /^[a-z_]+\.[a-z_]+$/);
      assert.equal(rej.reason.split(".")[0], rej.stage);
    }
    assert.ok(rejected.some((r) => r.reason === "prefilter.too_short"));
    assert.ok(rejected.some((r) => r.reason === "filter.not_qualified" && r.raw), "model rejections keep the raw output");
    assert.ok(rejected.some((r) => r.reason === "check.incorrect" && r.pair?.question));
    // documents/: each source document that yielded a pair, once.
    const docIds = docs.map((d) => DocumentRecord.parse(d).doc_id);
    assert.equal(new Set(docIds).size, docIds.length);
    assert.deepEqual(new Set(docIds), new Set(qa.map((r) => r.doc_id)));
    const stats = Stats.parse(JSON.parse(readFileSync(join(out, "stats.json"), "utf8")));
    assert.deepEqual(stats, res.stats);
    assert.equal(stats.qa_accepted, qa.length);
    assert.equal(stats.llm.requests, fake.requests.filter((r) => r.path.endsWith("/chat/completions")).length);
    assert.ok(stats.llm.by_stage.generate!.prompt_tokens > 0 && stats.llm.by_stage.check!.completion_tokens > 0);
    assertStatsAddUp(stats);
    const run = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    assert.equal(run.models.generate, "fake-model");
    for (const f of allFiles(out)) assert.ok(!readFileSync(f, "utf8").includes("SECRET-123456"), `API key leaked into ${f}`);
  } finally {
    await fake.close();
  }
});

test("efficient plan: 3 calls per qualified document and one blind answerability call, same record contract", async () => {
  const fake = await startStageServer();
  const out = tempDir();
  try {
    const res = await runOn(fake, [EXAMPLES], out, { plan: "efficient" });
    const qa = readJsonl(join(out, "qa"));
    assert.ok(qa.length >= 20);
    for (const r of qa) assert.deepEqual(Object.keys(QaRecord.parse(r).models).sort(), ["answerable_all", "check_all", "filter_identify", "generate_all"]);
    const s = res.stats;
    assert.equal(s.llm.by_stage.filter_identify!.requests, s.funnel.prefilter_passed);
    assert.equal(s.llm.by_stage.generate_all!.requests, s.funnel.identified);
    // One check call and at most one blind answerability call per document with pairs.
    assert.ok(s.llm.by_stage.check_all!.requests <= s.funnel.identified);
    assert.ok(s.llm.by_stage.answerable_all!.requests <= s.llm.by_stage.check_all!.requests);
    assertStatsAddUp(s);
  } finally {
    await fake.close();
  }
});

test("bad input: malformed lines, missing and empty text are counted with their location; the run goes on", async () => {
  const fake = await startStageServer();
  const dir = tempDir();
  const input = join(dir, "mixed.jsonl");
  const good = readFileSync(EXAMPLES, "utf8").split("\n").filter(Boolean).slice(0, 3);
  writeFileSync(input, [good[0], "{not json", JSON.stringify({ id: "x", body: "no text field" }), good[1], JSON.stringify({ id: "e", text: "   " }), good[2]].join("\n") + "\n");
  try {
    const res = await runOn(fake, [input], join(dir, "out"));
    const rejected = readJsonl(join(dir, "out", "rejected"));
    const at = (reason: string) => rejected.find((r) => r.reason === reason)?.source;
    assert.deepEqual(at("input.malformed_json"), { file: input, line: 2 });
    assert.equal(at("input.missing_text")?.line, 3);
    assert.equal(at("input.empty_text")?.line, 5);
    assert.equal(res.stats.documents_read, 6);
    assert.ok(res.stats.qa_accepted > 0);
    assertStatsAddUp(res.stats);
  } finally {
    await fake.close();
  }
});

test("faults: 429 with retry-after, 5xx and truncated JSON are retried; the accepted set equals a clean run's", async () => {
  const clean = await startStageServer();
  const faulty = await startStageServer();
  const dir = tempDir();
  try {
    await runOn(clean, [EXAMPLES], join(dir, "clean"));
    faulty.addFault({ kind: "429", retryAfterMs: 20, times: 3 });
    faulty.addFault({ kind: "503", times: 3 });
    faulty.addFault({ kind: "truncated_json", times: 2, match: (c) => c.schemaName === "generated_pair" });
    faulty.addFault({ kind: "malformed", times: 1, match: (c) => c.schemaName === "check_verdict" });
    const res = await runOn(faulty, [EXAMPLES], join(dir, "faulty"));
    assert.ok(res.stats.llm.retries >= 6, `retries counted: ${res.stats.llm.retries}`);
    const ids = (d: string) => new Set(readJsonl(join(dir, d, "qa")).map((r) => r.id));
    assert.deepEqual(ids("faulty"), ids("clean"));
    assertStatsAddUp(res.stats);
  } finally {
    await clean.close();
    await faulty.close();
  }
});

test("a server that refuses response_format: the prompt-embedded schema fallback gives the same pairs", async () => {
  const clean = await startStageServer();
  const old = await startStageServer({ rejectResponseFormat: true });
  const dir = tempDir();
  try {
    await runOn(clean, [EXAMPLES], join(dir, "clean"));
    await runOn(old, [EXAMPLES], join(dir, "old"));
    assert.ok(old.requests.some((r) => r.mode === "prompt" && r.status === 200));
    const ids = (d: string) => new Set(readJsonl(join(dir, d, "qa")).map((r) => r.id));
    assert.deepEqual(ids("old"), ids("clean"));
  } finally {
    await clean.close();
    await old.close();
  }
});

test("a context-length error rejects that one document, not the run", async () => {
  const fake = await startStageServer();
  const dir = tempDir();
  const victim = "sci-photosynthesis-explainer";
  const victimText = JSON.parse(readFileSync(EXAMPLES, "utf8").split("\n").find((l) => l.includes(`"${victim}"`))!).text as string;
  fake.addFault({ kind: "context_length", times: Infinity, match: (c) => c.document === victimText });
  try {
    const res = await runOn(fake, [EXAMPLES], join(dir, "out"));
    const rejected = readJsonl(join(dir, "out", "rejected"));
    const ctx = rejected.filter((r) => r.reason === "filter.context_length");
    assert.deepEqual(ctx.map((r) => r.doc_id), [victim]);
    assert.ok(res.stats.qa_accepted >= 20);
    assert.ok(!readJsonl(join(dir, "out", "qa")).some((r) => r.doc_id === victim));
    assertStatsAddUp(res.stats);
  } finally {
    await fake.close();
  }
});

test("long documents are split into windows under --max-doc-tokens, each with its window in the source", async () => {
  const fake = await startStageServer();
  const dir = tempDir();
  const input = join(dir, "long.jsonl");
  const texts = readFileSync(EXAMPLES, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).text as string);
  const long = texts.filter((t) => t.length > 1500).slice(0, 4).join("\n\n");
  writeFileSync(input, JSON.stringify({ id: "long-1", text: long }) + "\n");
  try {
    const res = await runOn(fake, [input], join(dir, "out"), { maxDocTokens: 400 });
    const longest = Math.max(...fake.requests.filter((r) => r.document).map((r) => r.document!.length));
    assert.ok(longest < long.length, "no request carried the whole document");
    const qa = readJsonl(join(dir, "out", "qa"));
    assert.ok(qa.length > 0);
    for (const r of qa) assert.ok(r.source.window && r.source.window.count > 1 && r.doc_id.startsWith("long-1#w"));
    assert.equal(res.stats.documents_read, 1);
    assert.ok((res.stats.windows_extra ?? 0) >= 1);
    assertStatsAddUp(res.stats);
  } finally {
    await fake.close();
  }
});

test("the run directory has the documented layout", async () => {
  const fake = await startStageServer();
  const out = tempDir();
  try {
    await runOn(fake, [EXAMPLES], out, { limit: 5 });
    for (const p of ["qa", "rejected", "documents", "state", "stats.json", "run.json"]) assert.ok(existsSync(join(out, p)), p);
    assert.equal(JSON.parse(readFileSync(join(out, "stats.json"), "utf8")).documents_read, 5);
  } finally {
    await fake.close();
  }
});
