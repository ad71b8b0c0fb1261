/** Curation inside `run`: quotas hold exactly and save model calls; dedup drops repeated questions across the run. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, readJsonl, runOn, startStageServer, tempDir } from "./support/pipeline-harness.js";
import { assertStatsAddUp } from "./support/stats-invariants.js";

/** The example corpus twice, the copy with new ids: every question of the copy repeats one of the original. */
function doubledCorpus(dir: string): string {
  const lines = readFileSync(EXAMPLES, "utf8").split("\n").filter(Boolean);
  const copy = lines.map((l) => {
    const d = JSON.parse(l);
    return JSON.stringify({ ...d, id: d.id + "-copy" });
  });
  const path = join(dir, "doubled.jsonl");
  writeFileSync(path, [...lines, ...copy].join("\n") + "\n");
  return path;
}

test("a domain quota holds exactly and stops generate/check calls for the full domain", async () => {
  const dir = tempDir();
  const corpus = doubledCorpus(dir);
  const free = await startStageServer();
  const capped = await startStageServer();
  try {
    // One request at a time (a window of 8 documents), so the quota fills while later documents are still ahead.
    const llm = { concurrency: 1 };
    const a = await runOn(free, [corpus], join(dir, "free"), { llm, curate: { dedup: false } }, { curate: true });
    const b = await runOn(capped, [corpus], join(dir, "capped"), { llm, curate: { dedup: false, domainQuota: { "Natural Science": 2 } } }, { curate: true });
    const ns = (d: string) => readJsonl(join(dir, d, "qa")).filter((r) => r.domain === "Natural Science").length;
    assert.ok(ns("free") > 2, `the uncapped run has more than 2 Natural Science pairs (${ns("free")})`);
    assert.equal(ns("capped"), 2, "the quota holds exactly");
    const calls = (f: typeof free, schema: string) => f.requests.filter((r) => r.schemaName === schema).length;
    assert.ok(calls(capped, "generated_pair") < calls(free, "generated_pair"), "generation skipped for the full domain");
    assert.ok(calls(capped, "check_verdict") < calls(free, "check_verdict"));
    assert.ok((b.stats.rejections["quota.skipped"] ?? 0) > 0, "skips before generation are reported");
    const curation = b.stats.curation as { quota?: { skipped_before_generation?: Record<string, number> } } | undefined;
    assert.ok(curation, "stats.json carries the curation block");
    assertStatsAddUp(a.stats);
    assertStatsAddUp(b.stats);
  } finally {
    await free.close();
    await capped.close();
  }
});

test("dedup inside run: a repeated document's questions are rejected as duplicates of the first", async () => {
  const dir = tempDir();
  const corpus = doubledCorpus(dir);
  const fake = await startStageServer();
  try {
    const res = await runOn(fake, [corpus], join(dir, "out"), {}, { curate: true });
    const qa = readJsonl(join(dir, "out", "qa"));
    const dups = readJsonl(join(dir, "out", "rejected")).filter((r) => r.stage === "dedup");
    assert.ok(dups.length > 0);
    const kept = new Set(qa.map((r) => r.id));
    for (const d of dups) assert.ok(kept.has(d.data.duplicate_of), "each duplicate names a kept pair");
    assert.equal(qa.filter((r) => r.doc_id.endsWith("-copy")).length, 0, "the first occurrence is kept, every repeat rejected");
    assert.ok(dups.filter((d) => d.doc_id.endsWith("-copy")).length >= qa.length);
    const questions = qa.map((r) => r.question.toLowerCase());
    assert.equal(new Set(questions).size, questions.length, "no exact duplicate question is kept");
    assertStatsAddUp(res.stats);
  } finally {
    await fake.close();
  }
});
