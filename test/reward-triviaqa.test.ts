import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { evaluateAliases, parseAliasItems } from "../src/reward/alias-eval.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const file = path.resolve(repoRoot, "../shared/data/benchmarks/triviaqa_sm_sub.jsonl");

test("TriviaQA aliases: each alias matches its item, other items' answers do not (rules alone)", (t) => {
  if (!existsSync(file)) return t.skip(`${file} not found: the TriviaQA alias measurement needs ../shared/data`);
  const items = parseAliasItems(readFileSync(file, "utf8"));
  assert.ok(items.length > 100);
  // Labels carrying their aliases: how a TriviaQA-style label is scored in training. Measured with
  // --disjoint mismatch, the setting that decides the other items' answers (they share no word).
  const withAliases = evaluateAliases(items, "with_aliases", { disjoint: "mismatch" });
  t.diagnostic(JSON.stringify({ ...withAliases, examples: undefined }));
  assert.ok(withAliases.recall >= 0.99, `recall ${withAliases.recall}`);
  assert.ok(withAliases.recall_decided >= 0.99, `recall among decided ${withAliases.recall_decided}`);
  assert.ok(withAliases.precision >= 0.999, `precision ${withAliases.precision}: ${JSON.stringify(withAliases.examples.false_positives)}`);
  assert.ok(withAliases.decided_share >= 0.9, `decided share ${withAliases.decided_share}`);
  // The bare answer only: most aliases are other names (Wikipedia redirects) no rule can know,
  // so recall is low by nature, but what the rules call a match must still be right.
  const answerOnly = evaluateAliases(items, "answer_only", { disjoint: "mismatch" });
  t.diagnostic(JSON.stringify({ ...answerOnly, examples: undefined }));
  assert.ok(answerOnly.precision >= 0.99, `precision ${answerOnly.precision}: ${JSON.stringify(answerOnly.examples.false_positives)}`);
  assert.ok(answerOnly.tp > 0);
  // The default sends texts sharing no word to the judge: fewer decisions, never a wrong match.
  const byDefault = evaluateAliases(items, "with_aliases");
  assert.ok(byDefault.precision >= 0.999, `precision ${byDefault.precision}`);
  assert.equal(byDefault.fn_decided, 0);
});
