/**
 * A run directory whose pairs have planned pass rates: pair i's question is arithmetic with a
 * number answer (the reward's rules decide every answer), and the fake policy answers it right
 * with probability PLAN[i % PLAN.length], wrong with a number the rules call a mismatch, and,
 * for every third pair, some wrong draws with another name for the answer that the rules leave
 * undecided. With K = 8 and seed 0 the pass rates are exactly the planned ones (fake-policy.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_DOMAINS } from "../../src/config/schema.js";
import { emptyRunStats, runPaths } from "../../src/io/run-dir.js";
import type { QaRecord, RolloutEntry } from "../../src/records.js";
import { shortHash } from "../../src/util/hash.js";
import { PROMPT_VERSION, VERSION } from "../../src/version.js";
import { policyFor, type PolicyAnswer } from "./fake-policy.js";

/** Planned pass rates for K = 8: every band edge and both ends. */
export const PLAN = [0, 1 / 8, 2 / 8, 3 / 8, 4 / 8, 5 / 8, 6 / 8, 7 / 8, 1] as const;

export interface PlannedPair {
  rec: QaRecord;
  answer: PolicyAnswer;
  /** The pass rate the fake policy gives it with K = 8, seed 0. */
  passRate: number;
  /** Draws of 0..7 the rules leave undecided. */
  undecided: number;
}

export const UNDECIDED_FORM = "a figure no rule can read";

export function plannedPairs(n: number, prefix = "rq"): PlannedPair[] {
  const out: PlannedPair[] = [];
  for (let i = 0; i < n; i++) {
    const a = 100 + i * 7;
    const b = 20 + (i % 13);
    const question = `Crate ${prefix}-${i} holds ${a} apples and ${b} more are put in: how many apples does it hold now?`;
    const p = PLAN[i % PLAN.length]!;
    const answer: PolicyAnswer = { answer: String(a + b), p, wrong: String(a + b + 1000), ...(i % 3 === 0 ? { undecidedAnswer: UNDECIDED_FORM, undecidedEvery: 2 } : {}) };
    const wrong = 8 - Math.floor(8 * p + 1e-9);
    const rec: QaRecord = {
      id: shortHash(prefix, String(i)),
      question,
      answer: String(a + b),
      answer_type: "number",
      domain: DEFAULT_DOMAINS[i % 4]!,
      persona: "shopkeeper",
      doc_id: `doc-${prefix}-${Math.floor(i / 2)}`,
      source: { file: "corpus.jsonl", line: i + 1 },
      checks: { correct: true, grounded: true, self_contained: true, leakage: false, unique: true, answerable: true },
      models: { generate: "fake-model" },
      prompt_version: PROMPT_VERSION,
    };
    out.push({ rec, answer, passRate: Math.floor(8 * p + 1e-9) / 8, undecided: answer.undecidedEvery ? Math.ceil(wrong / answer.undecidedEvery) : 0 });
  }
  return out;
}

/** Writes the pairs as a run directory (qa/, stats.json, run.json), `partRecords` per part. */
export function writeRun(dir: string, pairs: PlannedPair[], partRecords = 50_000): void {
  const paths = runPaths(dir);
  mkdirSync(paths.qa, { recursive: true });
  for (let part = 0; part * partRecords < pairs.length; part++) {
    const slice = pairs.slice(part * partRecords, (part + 1) * partRecords);
    writeFileSync(join(paths.qa, `part-main-${String(part).padStart(5, "0")}.jsonl`), slice.map((p) => JSON.stringify(p.rec)).join("\n") + "\n");
  }
  writeFileSync(paths.stats, JSON.stringify(emptyRunStats(pairs.length), null, 2));
  writeFileSync(paths.run, JSON.stringify({ version: VERSION, prompt_version: PROMPT_VERSION, models: { generate: "fake-model" } }, null, 2));
}

/** The fake policy that answers these pairs as planned. */
export const plannedPolicy = (pairs: PlannedPair[]) => policyFor(pairs.map((p) => ({ question: p.rec.question, ...p.answer })));

/** The same, as a JSONL file (for a fake server in its own process). */
export function writePolicyFile(path: string, pairs: PlannedPair[]): void {
  writeFileSync(path, pairs.map((p) => JSON.stringify({ question: p.rec.question, ...p.answer })).join("\n") + "\n");
}

/** A rollout entry with `correct` of `k` samples right (for tests that need measured pairs without a server). */
export function entryFor(model: string, correct: number, k = 8, answer = "42"): RolloutEntry {
  const verdicts = Array.from({ length: k }, (_, i) => (i < correct ? ("match" as const) : ("mismatch" as const)));
  return {
    model,
    samples: k,
    correct,
    pass_rate: correct / k,
    undecided: 0,
    truncated: 0,
    answers: verdicts.map((v) => (v === "match" ? answer : "-1")),
    verdicts,
    temperature: 1,
    max_tokens: 1024,
    seed: 0,
  };
}
