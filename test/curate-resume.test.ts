/**
 * A run resumed from a checkpoint cuts its curation state back to that checkpoint, like its
 * outputs: pairs kept after it are admitted again in the same order, so every decision
 * (reason, duplicate_of) is the one an uninterrupted run makes. Without the cut, a pair kept
 * "later" in the killed session is already in the state when an earlier pair is judged.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Curator, defaultCurateOptions, type CurateOptions } from "../src/curate/curator.js";
import { qa } from "./support/curate-fixtures.js";

const opts: CurateOptions = { ...defaultCurateOptions, decontaminate: false, maxPerDoc: 1 };
const base = "Which Norwegian engineer designed the first commercially successful hydroelectric turbine installed at the Rjukan plant in 1911, according to company records?";
// In input order: p (doc D), x (doc D: over --max-per-doc, and a near copy of f), f (doc E).
const p = qa("p", "How many spans does the oldest stone bridge over the river Vltava have, as counted in the city survey of 1870?", "16", { doc_id: "D" });
const x = qa("x", base.replace("records?", "archives?"), "Paris", { doc_id: "D" });
const f = qa("f", base, "Paris", { doc_id: "E" });
const decisions = (cur: Curator, pairs: typeof p[]) => pairs.map((r) => cur.admit(r)?.reason ?? "kept");

test("resuming from a checkpoint's mark judges the pairs after it exactly as an uninterrupted run", async () => {
  const dir = mkdtempSync(join(tmpdir(), "curate-resume-"));
  try {
    const whole = await Curator.open(join(dir, "whole"), opts);
    const expected = decisions(whole, [p, x, f]);
    assert.deepEqual(expected, ["kept", "quota.max_per_doc", "kept"]);

    // A killed session: checkpoint after p, then x and f judged and persisted, then the kill.
    const killed = await Curator.open(join(dir, "killed"), opts);
    decisions(killed, [p]);
    const mark = killed.mark();
    decisions(killed, [x, f]);
    await killed.commit();

    const resumed = await Curator.open(join(dir, "killed"), opts, mark);
    assert.deepEqual(decisions(resumed, [x, f]), expected.slice(1), "x over the per-document quota, not a near duplicate of f, which an uninterrupted run had not seen yet");
    assert.deepEqual(resumed.stats(), whole.stats(), "the same curation counters as the uninterrupted run");
    await resumed.close();
    await whole.close();

    // Without the mark (an old checkpoint), f is already in the state: x is judged against it.
    const unmarked = await Curator.open(join(dir, "killed"), opts);
    assert.equal(unmarked.admit(qa("x2", x.question, "Paris", { doc_id: "Z" }))?.reason, "dedup.near");
    await unmarked.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
