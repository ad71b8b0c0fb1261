/**
 * Measures the rules on the labelled reward set (test/data/reward-cases.jsonl, our own writing):
 * each line is a question with its ground truth and several policy responses labelled right or
 * wrong. A wrong final verdict is a match on a wrong response or a mismatch on a right one; the
 * goal is none. The decided-right share is the share of responses the rules decide correctly
 * without a judge. `rolloutBatches` turns each question into a 16-rollout batch, to count the
 * judge calls a batch needs (bench/reward-quality.ts).
 */
import type { RuleOptions } from "./rules.js";
import { Scorer, type RewardInput } from "./score.js";

export interface LabelledResponse {
  label: "right" | "wrong";
  text: string;
}

export interface LabelledGroup {
  id: string;
  category: string;
  domain: string;
  answer_type: string;
  question: string;
  ground_truth: string;
  aliases?: string[];
  ordered?: boolean;
  responses: LabelledResponse[];
}

/** Parses the JSONL set; a malformed line is an error naming its line, since the set is ours. */
export function parseLabelledSet(jsonl: string): LabelledGroup[] {
  const out: LabelledGroup[] = [];
  jsonl.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const o = JSON.parse(line) as Partial<LabelledGroup>;
    const at = `line ${i + 1}`;
    for (const k of ["id", "category", "domain", "answer_type", "question", "ground_truth"] as const)
      if (typeof o[k] !== "string" || o[k] === "") throw new Error(`${at}: "${k}" must be a non-empty string`);
    if (!Array.isArray(o.responses) || o.responses.length === 0) throw new Error(`${at}: "responses" must be a non-empty array`);
    for (const r of o.responses) if ((r.label !== "right" && r.label !== "wrong") || typeof r.text !== "string") throw new Error(`${at}: each response needs label right|wrong and text`);
    out.push(o as LabelledGroup);
  });
  return out;
}

export function inputOf(g: LabelledGroup, response: string): RewardInput {
  return { question: g.question, groundTruth: g.ground_truth, aliases: g.aliases, ordered: g.ordered, response };
}

interface Tally {
  cases: number;
  decided_right: number;
  undecided: number;
  wrong_final: number;
}

export interface QualityReport {
  groups: number;
  cases: number;
  right_cases: number;
  wrong_cases: number;
  /** Matches on wrong responses plus mismatches on right ones (goal: 0). */
  wrong_final: number;
  wrong_final_cases: Array<{ id: string; label: string; verdict: string; decided_by: string; truth: string; extracted: string }>;
  /** Share of all cases the rules decide correctly without a judge. */
  decided_right_share: number;
  undecided_share: number;
  by_category: Record<string, Tally & { right: number; wrong: number }>;
  by_decided_by: Record<string, number>;
}

const round = (x: number) => Math.round(x * 10000) / 10000;

export function evaluateRules(groups: LabelledGroup[], opts: RuleOptions = {}): QualityReport {
  const scorer = new Scorer(opts);
  const r: QualityReport = {
    groups: groups.length, cases: 0, right_cases: 0, wrong_cases: 0, wrong_final: 0, wrong_final_cases: [],
    decided_right_share: 0, undecided_share: 0, by_category: {}, by_decided_by: {},
  };
  let decidedRight = 0;
  let undecided = 0;
  for (const g of groups) {
    const cat = (r.by_category[g.category] ??= { cases: 0, right: 0, wrong: 0, decided_right: 0, undecided: 0, wrong_final: 0 });
    g.responses.forEach((resp, i) => {
      const res = scorer.scoreRules(inputOf(g, resp.text));
      r.cases++;
      cat.cases++;
      if (resp.label === "right") {
        r.right_cases++;
        cat.right++;
      } else {
        r.wrong_cases++;
        cat.wrong++;
      }
      r.by_decided_by[res.decided_by] = (r.by_decided_by[res.decided_by] ?? 0) + 1;
      if (res.verdict === "undecided") {
        undecided++;
        cat.undecided++;
      } else if ((res.verdict === "match") === (resp.label === "right")) {
        decidedRight++;
        cat.decided_right++;
      } else {
        r.wrong_final++;
        cat.wrong_final++;
        r.wrong_final_cases.push({ id: `${g.id}#${i}`, label: resp.label, verdict: res.verdict, decided_by: res.decided_by, truth: g.ground_truth, extracted: res.extracted });
      }
    });
  }
  r.decided_right_share = round(r.cases ? decidedRight / r.cases : 0);
  r.undecided_share = round(r.cases ? undecided / r.cases : 0);
  return r;
}

/**
 * One GRPO-style batch per question: `rollouts` responses cycling through its labelled ones, each
 * with its own reasoning before the same final answer, as a policy's samples would differ.
 */
export function rolloutBatches(groups: LabelledGroup[], rollouts = 16): Array<{ group: LabelledGroup; items: RewardInput[]; labels: Array<"right" | "wrong"> }> {
  return groups.map((g) => {
    const items: RewardInput[] = [];
    const labels: Array<"right" | "wrong"> = [];
    for (let k = 0; k < rollouts; k++) {
      const resp = g.responses[k % g.responses.length];
      items.push(inputOf(g, `Rollout ${k}: working through the question once more.\n${resp.text}`));
      labels.push(resp.label);
    }
    return { group: g, items, labels };
  });
}
