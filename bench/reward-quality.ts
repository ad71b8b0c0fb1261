/**
 * The rules on the labelled reward set (test/data/reward-cases.jsonl, our own writing): wrong final
 * verdicts (goal 0), the share decided right without a judge (goal ≥ 70 %), and the judge calls a
 * 16-rollout batch needs (each question's labelled responses cycled over 16 rollouts, scored as
 * one batch, the judge answering from the labels). Reported for the default and for
 * --disjoint mismatch. Prints JSON.  Usage: tsx bench/reward-quality.ts [cases.jsonl]
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Judge } from "../src/reward/judge.js";
import { normalizeAnswer } from "../src/reward/normalize.js";
import { evaluateRules, inputOf, parseLabelledSet, rolloutBatches, type LabelledGroup } from "../src/reward/quality-eval.js";
import type { RuleOptions } from "../src/reward/rules.js";
import { Scorer } from "../src/reward/score.js";
import { oracleJudgeClient } from "./support/oracle-judge.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const file = process.argv[2] ?? path.join(repoRoot, "test/data/reward-cases.jsonl");
const groups = parseLabelledSet(readFileSync(file, "utf8"));

/** Labels by (question, normalised extracted answer), as the judge is asked. */
function labelIndex(gs: LabelledGroup[]): Map<string, boolean> {
  const scorer = new Scorer();
  const index = new Map<string, boolean>();
  for (const g of gs)
    for (const r of g.responses) index.set(`${g.question}\u0000${normalizeAnswer(scorer.scoreRules(inputOf(g, r.text)).extracted)}`, r.label === "right");
  return index;
}

async function judgeCalls(gs: LabelledGroup[], opts: RuleOptions) {
  const index = labelIndex(gs);
  const judge = new Judge(oracleJudgeClient((q, resp) => index.get(`${q}\u0000${normalizeAnswer(resp)}`)));
  const scorer = new Scorer({ ...opts, judge });
  const batches = rolloutBatches(gs, 16);
  let wrongAfterJudge = 0;
  for (const b of batches) {
    const results = await scorer.scoreBatch(b.items);
    results.forEach((res, i) => {
      if ((res.score === 1) !== (b.labels[i] === "right")) wrongAfterJudge++;
    });
  }
  const c = judge.counts();
  return { batches: batches.length, judge_calls: c.calls, judge_calls_per_16_rollout_batch: Math.round((c.calls / batches.length) * 1000) / 1000, wrong_after_judge: wrongAfterJudge };
}

const settings: Array<[string, RuleOptions]> = [["default", {}], ["disjoint_mismatch", { disjoint: "mismatch" }]];
const results = [];
for (const [name, opts] of settings) {
  const r = evaluateRules(groups, opts);
  results.push({
    setting: name,
    wrong_final: r.wrong_final,
    decided_right_share: r.decided_right_share,
    undecided_share: r.undecided_share,
    ...(await judgeCalls(groups, opts)),
    wrong_final_cases: r.wrong_final_cases,
    by_category: r.by_category,
    by_decided_by: r.by_decided_by,
  });
}
const count = (k: "category" | "answer_type" | "domain") => Object.fromEntries([...new Set(groups.map((g) => g[k]))].sort().map((v) => [v, groups.filter((g) => g[k] === v).reduce((n, g) => n + g.responses.length, 0)]));
const cases = groups.reduce((n, g) => n + g.responses.length, 0);
console.log(
  JSON.stringify(
    {
      bench: "reward-quality",
      file: path.relative(repoRoot, file),
      questions: groups.length,
      cases,
      right_cases: groups.reduce((n, g) => n + g.responses.filter((r) => r.label === "right").length, 0),
      goals: { wrong_final: 0, decided_right_share: 0.7 },
      cases_by_category: count("category"),
      cases_by_answer_type: count("answer_type"),
      cases_by_domain: count("domain"),
      results,
    },
    null,
    2,
  ),
);
