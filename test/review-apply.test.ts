/**
 * Decisions applied through the real `curate` and `export` commands: a rejected pair leaves
 * with review.rejected, an edit is carried with reviewed.edited (and the old answer's
 * aliases dropped), an acceptance is recorded, a pair the pipeline rejected but a human
 * accepted comes back, a retraction changes nothing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendDecision } from "../src/review/decisions.js";
import { loadReviewItems } from "../src/review/items.js";
import type { QaRecord, Rejection } from "../src/records.js";
import { makeReviewRun } from "./support/review-fixture.js";
import { ok } from "./support/cli.js";
import { EXAMPLES, runOn, startStageServer } from "./support/pipeline-harness.js";
import { assertStatsAddUp } from "./support/stats-invariants.js";

const jsonl = <T>(dir: string): T[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as T));

test("curate and export apply the human decisions", { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "wsrl-review-apply-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = join(dir, "run");
  const { pairs } = makeReviewRun(run, 12, 3);
  const rescuedId = (await loadReviewItems(run, { passages: false })).items.filter((i) => i.status === "rejected")[0].id;
  const at = "2026-01-01T00:00:00.000Z";
  appendDecision(run, { id: pairs[0].id, decision: "reject", reason: "wrong_answer", reviewer: "ana", at });
  appendDecision(run, { id: pairs[1].id, decision: "edit", answer: "4 crossings each way", reviewer: "ana", at });
  appendDecision(run, { id: pairs[2].id, decision: "accept", reviewer: "ana", at });
  appendDecision(run, { id: pairs[3].id, decision: "reject", reason: "ambiguous", reviewer: "ana", at });
  appendDecision(run, { id: pairs[3].id, decision: "retract", reviewer: "ana", at });
  appendDecision(run, { id: rescuedId, decision: "accept", reviewer: "bo", at });

  // curate
  const cur = join(dir, "cur");
  await ok(["curate", run, "--out", cur, "--no-progress"]);
  const kept = jsonl<QaRecord>(join(cur, "qa"));
  const byId = new Map(kept.map((r) => [r.id, r]));
  // 13 pairs, one rejected by the reviewer, the hostile one by the guards (its answer is 12 words), one rescued.
  assert.equal(kept.length, 13 - 1 - 1 + 1);
  assert.ok(!byId.has(pairs[0].id), "the rejected pair is gone");
  const rej = jsonl<Rejection>(join(cur, "rejected")).filter((r) => r.reason === "review.rejected");
  assert.equal(rej.length, 1);
  assert.equal(rej[0].pair?.id, pairs[0].id);
  assert.match(rej[0].detail ?? "", /^wrong_answer \(by ana/);
  const edited = byId.get(pairs[1].id)!;
  assert.equal(edited.answer, "4 crossings each way");
  assert.equal(edited.question, pairs[1].question);
  assert.deepEqual(edited.reviewed, { by: "ana", at, edited: true });
  assert.equal(edited.aliases, undefined, "aliases confirmed for the old answer are dropped");
  assert.deepEqual(byId.get(pairs[2].id)!.reviewed, { by: "ana", at, edited: false });
  assert.equal(byId.get(pairs[3].id)!.reviewed, undefined, "retracted: as if never reviewed");
  const rescued = byId.get(rescuedId)!;
  assert.ok(rescued, "an accepted rejected pair comes back");
  assert.deepEqual(rescued.reviewed, { by: "bo", at, edited: false });
  assert.equal(rescued.question, "Which pier does ferry 0 use in Ardmore0?");
  const stats = JSON.parse(readFileSync(join(cur, "stats.json"), "utf8"));
  assert.equal(stats.rejections["review.rejected"], 1);
  assert.deepEqual(stats.curation.review, { accepted: 1, edited: 1, rejected: 1, rescued: 1 });

  // export straight from the reviewed run
  const out = join(dir, "openrlhf");
  const r = await ok(["export", run, "--format", "openrlhf", "--out", out, "--test-size", "0", "--no-progress"]);
  assert.match(r.stderr, /human review applied: 1 rejected, 1 edited, 1 accepted as is, 1 brought back from rejected\//);
  const rows = readFileSync(join(out, "train.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const rowsById = new Map(rows.map((x) => [x.id, x]));
  assert.equal(rows.length, 13);
  assert.ok(!rowsById.has(pairs[0].id));
  assert.equal(rowsById.get(pairs[1].id).label, "4 crossings each way");
  assert.deepEqual(JSON.parse(rowsById.get(pairs[1].id).reward_label).aliases, []);
  assert.ok(rowsById.has(rescuedId));

  // verl carries who reviewed it
  const verl = join(dir, "verl");
  await ok(["export", run, "--format", "verl", "--out", verl, "--test-size", "0", "--no-progress"]);
  const { parquetReadObjects } = await import("hyparquet");
  const buf = readFileSync(join(verl, "train.parquet"));
  const objs = (await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) })) as Array<{ extra_info: Record<string, unknown> }>;
  const info = new Map(objs.map((o) => [o.extra_info.id, o.extra_info]));
  assert.deepEqual([info.get(pairs[1].id)!.reviewed_by, info.get(pairs[1].id)!.reviewed_at, info.get(pairs[1].id)!.review_edited], ["ana", at, true]);
  assert.equal(info.get(pairs[2].id)!.review_edited, false);
  assert.equal(info.get(pairs[4].id)!.reviewed_by, null, "not reviewed: null");
});

test("a reviewed real run curated: the funnel still adds up, with the rescued pairs counted as pairs_rescued", { timeout: 300_000 }, async (t) => {
  const fake = await startStageServer();
  const dir = mkdtempSync(join(tmpdir(), "wsrl-review-funnel-"));
  t.after(async () => (await fake.close(), rmSync(dir, { recursive: true, force: true })));
  const run = join(dir, "run");
  await runOn(fake, [EXAMPLES], run, {}, { curate: true });
  const before = JSON.parse(readFileSync(join(run, "stats.json"), "utf8"));
  assertStatsAddUp(before);
  const { items } = await loadReviewItems(run, { passages: false });
  const kept = items.filter((i) => i.status === "kept");
  const rejected = items.filter((i) => i.status === "rejected");
  assert.ok(kept.length >= 2 && rejected.length >= 2, `the example run has kept and rejected pairs (${kept.length}, ${rejected.length})`);
  const at = "2026-01-01T00:00:00.000Z";
  appendDecision(run, { id: kept[0].id, decision: "reject", reason: "wrong_answer", reviewer: "ana", at });
  for (const r of rejected.slice(0, 2)) appendDecision(run, { id: r.id, decision: "accept", reviewer: "bo", at });

  const cur = join(dir, "cur");
  await ok(["curate", run, "--out", cur, "--no-progress"]);
  const stats = JSON.parse(readFileSync(join(cur, "stats.json"), "utf8"));
  assert.equal(stats.funnel.pairs_rescued, 2);
  assert.equal(stats.rejections["review.rejected"], 1);
  assert.equal(stats.funnel.pairs_curated, jsonl<QaRecord>(join(cur, "qa")).length);
  assertStatsAddUp(stats);
});
