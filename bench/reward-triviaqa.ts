/**
 * TriviaQA alias pairs: share decided by the rules alone, precision and recall, in both settings
 * (labels with aliases; bare answer), with the default and with --disjoint mismatch. Prints JSON. Needs ../shared/data/benchmarks/triviaqa_sm_sub.jsonl.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { evaluateAliases, parseAliasItems } from "../src/reward/alias-eval.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const file = path.resolve(repoRoot, "../shared/data/benchmarks/triviaqa_sm_sub.jsonl");
if (!existsSync(file)) {
  console.log(JSON.stringify({ skipped: `${file} not found` }));
  process.exit(0);
}
const items = parseAliasItems(readFileSync(file, "utf8"));
const verbose = process.argv.includes("--examples");
const out = [];
// The other items' answers share no word with the truth: the default sends them to the judge, and
// --disjoint mismatch decides them. Both are reported.
for (const disjoint of ["undecided", "mismatch"] as const) {
  for (const setting of ["with_aliases", "answer_only"] as const) {
    const t0 = performance.now();
    const r = evaluateAliases(items, setting, { disjoint });
    const ms = performance.now() - t0;
    out.push({ disjoint, ...r, examples: verbose ? r.examples : undefined, ms: Math.round(ms) });
  }
}
console.log(JSON.stringify({ bench: "reward-triviaqa", file, items: items.length, results: out }, null, 2));
