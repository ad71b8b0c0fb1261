import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_DOMAINS } from "../src/config/schema.js";
import { ANSWER_TYPES } from "../src/records.js";
import { evaluateRules, parseLabelledSet } from "../src/reward/quality-eval.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const groups = parseLabelledSet(readFileSync(path.join(repoRoot, "test/data/reward-cases.jsonl"), "utf8"));

// The categories of issue 15 (and the everyday ones around them) that the set must cover.
const CATEGORIES = [
  "order", "polarity", "near_miss", "rounding", "money", "si_units", "kelvin", "unit_names", "boolean", "web_domain",
  "latin_plural", "formula", "extraction", "hedge", "exact", "dates", "acronym", "aliases", "numbers", "lists",
  "disjoint", "other_names", "synonym", "verbose", "coding", "other_type",
];

test("the labelled reward set: 300+ cases, every category with a right and a wrong response, every answer type and domain", () => {
  const cases = groups.reduce((n, g) => n + g.responses.length, 0);
  assert.ok(cases >= 300, `${cases} cases`);
  assert.equal(new Set(groups.map((g) => g.id)).size, groups.length, "ids are unique");
  for (const c of CATEGORIES) {
    const rs = groups.filter((g) => g.category === c).flatMap((g) => g.responses);
    assert.ok(rs.some((r) => r.label === "right") && rs.some((r) => r.label === "wrong"), `category ${c} needs a right and a wrong response`);
  }
  assert.deepEqual([...new Set(groups.map((g) => g.category))].sort(), [...CATEGORIES].sort());
  assert.deepEqual([...new Set(groups.map((g) => g.answer_type))].sort(), [...ANSWER_TYPES].sort());
  assert.deepEqual([...new Set(groups.map((g) => g.domain))].sort(), [...DEFAULT_DOMAINS].sort());
});

test("the rules give no wrong final verdict on the labelled set, and decide at least 70% right without a judge", () => {
  const r = evaluateRules(groups);
  assert.deepEqual(r.wrong_final_cases, [], "a match on a wrong response or a mismatch on a right one");
  assert.equal(r.wrong_final, 0);
  assert.ok(r.decided_right_share >= 0.7, `decided right: ${r.decided_right_share}`);
  // Every category is exercised by the rules, not only the easy ones.
  for (const [cat, t] of Object.entries(r.by_category)) assert.equal(t.wrong_final, 0, cat);
});

test("--disjoint mismatch trades judge calls for wrong verdicts on other names, and only there", () => {
  const r = evaluateRules(groups, { disjoint: "mismatch" });
  assert.ok(r.wrong_final > 0, "unlisted synonyms ('fall' for 'autumn') are scored wrong by --disjoint mismatch");
  for (const w of r.wrong_final_cases) assert.equal(w.decided_by, "disjoint", JSON.stringify(w));
});
