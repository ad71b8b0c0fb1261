/**
 * The deterministic path measured on the labelled quality set (test/data/quality-pairs.jsonl,
 * our own writing): per guard and overall, how many good pairs are kept and how many bad
 * ones are caught, per bad kind, split into what a rule can see and what only a model judge
 * can (look-ups of unseen facts). Also the near-duplicate measure: paraphrases caught and
 * false positives among all pairs of clean questions. Prints JSON.
 *
 *   npx tsx bench/quality.ts
 */
import { evaluateQualitySet } from "../test/support/quality-eval.js";

// One line, like every bench (npm run bench reads JSON lines); pipe through `jq` to read it.
console.log(JSON.stringify(await evaluateQualitySet()));
