/**
 * Runs the deterministic path over the labelled quality set (test/data/quality-pairs.jsonl,
 * our own writing) and counts what it keeps and catches. Shared by bench/quality.ts (which
 * prints it) and test/quality-set.test.ts (which asserts the goals).
 *
 * Set fields: id, domain, question, answer, answer_type, kind ("good" or the bad kind),
 * expect ("keep" | "reject" | "reduce" with `core`), visible ("rule" | "model": whether the
 * defect is in the surface text a rule can read, or needs knowledge only a judge has),
 * duplicate_of (paraphrases), sibling_of (good pairs that share a template with another).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Curator, defaultCurateOptions } from "../../src/curate/curator.js";
import { guardPair, GUARD_CODES, DEFAULT_MAX_ANSWER_WORDS } from "../../src/quality/guards.js";
import { answerKey, nearDuplicate, NEAR_DUP_SAME_ANSWER, NEAR_DUP_SAME_QUESTION, questionSimilarity } from "../../src/quality/similarity.js";
import type { AnswerType, QaRecord } from "../../src/records.js";

export interface LabelledPair {
  id: string;
  domain: string;
  question: string;
  answer: string;
  answer_type: AnswerType;
  kind: string;
  expect: "keep" | "reject" | "reduce";
  visible?: "rule" | "model";
  core?: string;
  duplicate_of?: string;
  sibling_of?: string;
}

export const QUALITY_SET = resolve(import.meta.dirname, "../data/quality-pairs.jsonl");

export function loadQualitySet(file = QUALITY_SET): LabelledPair[] {
  return readFileSync(file, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as LabelledPair);
}

const same = (a: string, b: string) => a.trim().toLowerCase().replace(/\s+/g, " ") === b.trim().toLowerCase().replace(/\s+/g, " ");
const pct = (n: number, d: number) => (d === 0 ? null : Math.round((1000 * n) / d) / 10);

export interface Outcome {
  pair: LabelledPair;
  kept: boolean;
  code?: string;
  answer?: string;
  reducedFrom?: string;
  /** Good: kept unchanged. Bad: rejected, or reduced to the labelled core. */
  right: boolean;
}

/** The guards on one labelled pair (paraphrases are judged by near-dup, not here). */
export function judge(p: LabelledPair): Outcome {
  const r = guardPair(p, { maxAnswerWords: DEFAULT_MAX_ANSWER_WORDS });
  const kept = r.ok;
  const answer = r.ok ? r.answer : undefined;
  const right =
    p.expect === "keep" ? r.ok && !r.reducedFrom :
    p.expect === "reduce" ? !r.ok || (!!r.reducedFrom && same(r.answer, p.core!)) :
    !r.ok;
  return { pair: p, kept, code: r.ok ? undefined : r.code, answer, reducedFrom: r.ok ? r.reducedFrom : undefined, right };
}

function record(p: LabelledPair, i: number): QaRecord {
  return {
    id: p.id, question: p.question, answer: p.answer, answer_type: p.answer_type, domain: p.domain, persona: "reader", doc_id: `doc-${i}`,
    source: { file: "quality-pairs.jsonl", line: i + 1 }, checks: { correct: true, grounded: true, self_contained: true, leakage: false },
    models: {}, prompt_version: "quality-set",
  };
}

export async function evaluateQualitySet(set = loadQualitySet()) {
  const guarded = set.filter((p) => p.kind !== "paraphrase");
  const outcomes = guarded.map(judge);
  const good = outcomes.filter((o) => o.pair.kind === "good");
  const bad = outcomes.filter((o) => o.pair.kind !== "good");

  // Per guard: good pairs it wrongly rejected, bad pairs it caught (by kind).
  const perGuard: Record<string, { good_rejected: number; bad_caught: number; caught_by_kind: Record<string, number> }> = {};
  for (const code of GUARD_CODES) perGuard[code] = { good_rejected: 0, bad_caught: 0, caught_by_kind: {} };
  for (const o of outcomes) {
    if (!o.code) continue;
    const g = perGuard[o.code];
    if (o.pair.kind === "good") g.good_rejected++;
    else {
      g.bad_caught++;
      g.caught_by_kind[o.pair.kind] = (g.caught_by_kind[o.pair.kind] ?? 0) + 1;
    }
  }
  perGuard.sentence_reduced = { good_rejected: good.filter((o) => o.reducedFrom).length, bad_caught: bad.filter((o) => o.reducedFrom && o.right).length, caught_by_kind: { sentence_answer: bad.filter((o) => o.reducedFrom && o.right).length } };

  // Near-duplicates: the pure function over the set, and the curator's MinHash path.
  const byId = new Map(set.map((p) => [p.id, p]));
  const paraphrases = set.filter((p) => p.kind === "paraphrase");
  const paraCaught = paraphrases.filter((p) => nearDuplicate(p, byId.get(p.duplicate_of!)!).duplicate);
  const clean = set.filter((p) => p.kind === "good");
  let cleanPairs = 0;
  let flagged = 0;
  let maxSimilarity = 0;
  let overAnswerThreshold = 0;
  const flaggedPairs: string[] = [];
  for (let i = 0; i < clean.length; i++) {
    for (let j = i + 1; j < clean.length; j++) {
      cleanPairs++;
      const d = nearDuplicate(clean[i], clean[j]);
      maxSimilarity = Math.max(maxSimilarity, d.similarity);
      if (d.similarity >= NEAR_DUP_SAME_ANSWER) overAnswerThreshold++;
      if (d.duplicate) {
        flagged++;
        flaggedPairs.push(`${clean[i].id}~${clean[j].id}`);
      }
    }
  }
  const siblings = clean.filter((p) => p.sibling_of);
  const siblingSims = siblings.map((p) => ({ id: p.id, of: p.sibling_of!, similarity: +questionSimilarity(p.question, byId.get(p.sibling_of!)!.question).toFixed(2), same_answer: answerKey(p.answer) === answerKey(byId.get(p.sibling_of!)!.answer) }));
  const paraSims = paraphrases.map((p) => +questionSimilarity(p.question, byId.get(p.duplicate_of!)!.question).toFixed(2));

  const state = mkdtempSync(join(tmpdir(), "quality-set-"));
  let curatorParaCaught = 0;
  let curatorGoodLost = 0;
  const curatorGoodLostIds: string[] = [];
  try {
    const cur = await Curator.open(state, { ...defaultCurateOptions, decontaminate: false });
    // Good pairs first, then the bad ones: a paraphrase must meet the pair it copies.
    const order = [...set.filter((p) => p.kind === "good"), ...set.filter((p) => p.kind !== "good")];
    order.forEach((p, i) => {
      const rej = cur.admit(record(p, i));
      if (p.kind === "good" && rej) {
        curatorGoodLost++;
        curatorGoodLostIds.push(`${p.id}:${rej.reason}`);
      }
      if (p.kind === "paraphrase" && rej?.reason === "dedup.near") curatorParaCaught++;
    });
    await cur.close();
  } finally {
    rmSync(state, { recursive: true, force: true });
  }

  const kinds = [...new Set(set.filter((p) => p.kind !== "good").map((p) => p.kind))];
  const byKind: Record<string, { rule_visible: number; rule_caught: number; rule_caught_pct: number | null; model_only: number; model_only_caught_by_rules: number }> = {};
  for (const k of kinds) {
    const of = k === "paraphrase" ? paraphrases.map((p) => ({ p, right: paraCaught.includes(p) })) : bad.filter((o) => o.pair.kind === k).map((o) => ({ p: o.pair, right: o.right }));
    const vis = of.filter((x) => (x.p.visible ?? "rule") === "rule");
    const model = of.filter((x) => x.p.visible === "model");
    const caught = vis.filter((x) => x.right).length;
    byKind[k] = { rule_visible: vis.length, rule_caught: caught, rule_caught_pct: pct(caught, vis.length), model_only: model.length, model_only_caught_by_rules: model.filter((x) => x.right).length };
  }
  const goodKept = good.filter((o) => o.right).length;
  return {
    set: { pairs: set.length, good: good.length, bad: set.length - good.length },
    good_kept: goodKept,
    good_kept_pct: pct(goodKept, good.length),
    good_rejected: good.filter((o) => !o.right).map((o) => ({ id: o.pair.id, code: o.code ?? "altered", answer: o.answer })),
    bad_by_kind: byKind,
    per_guard: perGuard,
    missed: bad.filter((o) => !o.right && (o.pair.visible ?? "rule") === "rule").map((o) => ({ id: o.pair.id, kind: o.pair.kind, kept_as: o.answer })),
    sentence_reductions: bad.filter((o) => o.reducedFrom).map((o) => ({ id: o.pair.id, from: o.reducedFrom, to: o.answer, right: o.right })),
    near_duplicates: {
      thresholds: { same_question: NEAR_DUP_SAME_QUESTION, same_answer: NEAR_DUP_SAME_ANSWER },
      paraphrases: paraphrases.length,
      paraphrases_caught: paraCaught.length,
      paraphrase_similarity: paraSims,
      clean_pairs_compared: cleanPairs,
      clean_pairs_flagged: flagged,
      false_positive_rate: cleanPairs ? flagged / cleanPairs : 0,
      flagged_clean_pairs: flaggedPairs,
      max_clean_similarity: +maxSimilarity.toFixed(2),
      // Clean pairs whose questions alone reach the lower threshold: what answer agreement saves.
      clean_pairs_at_same_answer_threshold: overAnswerThreshold,
      template_siblings: siblingSims,
      curator: { paraphrases_caught: curatorParaCaught, good_pairs_lost: curatorGoodLost, good_lost: curatorGoodLostIds },
    },
  };
}
