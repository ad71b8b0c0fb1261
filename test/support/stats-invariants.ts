/** The accounting invariants every run's stats.json must satisfy (see src/pipeline/stats-tracker.ts). */
import assert from "node:assert/strict";
import type { Stats } from "../../src/records.js";

/** The funnel adds up: every unit is accounted for at exactly one stage. */
export function assertStatsAddUp(stats: Stats) {
  const f = stats.funnel;
  const r = stats.rejections;
  const sum = (pred: (code: string) => boolean) => Object.entries(r).filter(([c]) => pred(c)).reduce((a, [, n]) => a + n, 0);
  const stage = (...names: string[]) => (c: string) => names.includes(c.split(".")[0]!);
  const units = stats.documents_read + (stats.windows_extra ?? 0) - sum(stage("input"));
  assert.equal(units, f.prefilter_passed + sum(stage("prefilter")), "units = prefilter passed + prefilter rejections");
  assert.equal(f.prefilter_passed - f.filter_passed, sum((c) => c.startsWith("filter.") || c.startsWith("filter_identify.")), "filter step");
  assert.equal(f.filter_passed - f.identified, sum(stage("identify")), "identify step");
  // Under check.*: the verifier's verdicts, its failed calls, and the guards before it (no model call).
  const verdict = (c: string) => /^check\.(incorrect|not_grounded|not_unique|not_self_contained|leakage)$/.test(c);
  const failedCall = (c: string) => /^check\.(invalid_output|context_length)$/.test(c);
  const guarded = sum((c) => c.startsWith("check.") && !verdict(c) && !failedCall(c));
  assert.equal(f.pairs_generated, f.pairs_checked + guarded + sum(failedCall), "generated = checked + guarded + check failures");
  assert.equal(f.pairs_checked, f.pairs_accepted + sum(verdict) + sum(stage("answerable")), "checked = accepted + verifier and answerability rejections");
  const curation = sum((c) => stage("dedup", "decontaminate", "quality")(c) || c === "quota.domain_full" || c === "quota.max_per_doc");
  // A reviewed directory: a reviewer's rejections leave before curation, the pairs a reviewer
  // brought back from the rejected ones join it.
  const byReview = r["review.rejected"] ?? 0;
  assert.equal(f.pairs_accepted + (f.pairs_rescued ?? 0), stats.qa_accepted + curation + byReview, "accepted + rescued = kept + curation and review rejections");
  assert.equal(stats.documents_finished, stats.documents_read);
  const byStage = Object.values(stats.llm.by_stage).reduce((a, s) => a + s.requests, 0);
  assert.equal(byStage, stats.llm.requests, "per-stage requests add up");
}
