import { test } from "node:test";
import assert from "node:assert/strict";
import { extractAnswer } from "../src/reward/extract.js";
import { acceptedForms, scoreByRules, type DecidedBy } from "../src/reward/score.js";
import { DEFAULT_POLICY_TEMPLATE, renderPolicyPrompt } from "../src/policy-format.js";

type Row = [truth: string, response: string, verdict: "match" | "mismatch" | "undecided", by?: DecidedBy];

// Each row: the ground truth, the policy's final answer, the expected verdict (and rule).
const TABLE: Row[] = [
  // normalised exact match
  ["Paris", "paris", "match", "exact"],
  ["The Beatles", "Beatles", "match", "exact"],
  ["Washington, D.C.", "Washington DC", "match", "exact"],
  ["Pelé", "Pele", "match", "exact"],
  ["Horse", "Horſe", "match", "exact"],
  ["Simon & Garfunkel", "Simon and Garfunkel", "match", "exact"],
  ["ＡＢＣ", "abc", "match", "exact"],
  ["Paris", "Lyon", "mismatch", "disjoint"],
  // numbers
  ["1,200 km", "1200 kilometers", "match", "number"],
  ["1,200 km", "1.2 thousand km", "match", "number"],
  ["1,200 km", "1.2 km", "mismatch", "number"],
  ["12", "120", "mismatch", "number"],
  ["120", "12", "mismatch", "number"],
  ["-5", "5", "mismatch", "number"],
  ["3/4", "0.75", "match", "number"],
  ["1 1/2", "1.5", "match", "number"],
  ["50%", "50 percent", "match", "number"],
  ["50%", "0.5", "match", "number"],
  ["50%", "5%", "mismatch", "number"],
  ["1.5e3", "1500", "match", "number"],
  ["6.02 × 10^23", "6.02e23", "match", "number"],
  ["$1.2 million", "1,200,000 dollars", "match", "number"],
  ["$12", "12 euros", "mismatch", "number"],
  ["12 km", "12 kg", "mismatch", "number"],
  ["100 °C", "212 °F", "match", "number"],
  ["3.14159", "3.14", "mismatch", "number"],
  ["twelve", "12", "match", "number"],
  ["12", "12 apostles", "match", "number"],
  ["0.1", "1/10", "match", "number"],
  ["Apollo 11", "Apollo 13", "mismatch", "number"],
  ["12", "twelve apostles", "undecided"],
  ["12", "a dozen or so", "undecided"],
  // dates
  ["1990", "1909", "mismatch", "number"],
  ["March 5, 1990", "1990-03-05", "match", "date"],
  ["March 5, 1990", "5 March 1990", "match", "date"],
  ["March 5, 1990", "5th of March, 1990", "match", "date"],
  ["5 March 1990", "05/03/1990", "match", "date"],
  ["March 5, 1990", "03/05/1990", "match", "date"],
  ["March 5, 1990", "March 6, 1990", "mismatch", "date"],
  ["March 5, 1990", "25/03/1990", "mismatch", "date"],
  ["1990", "March 5, 1990", "match", "date"],
  ["1990", "in 1990", "match", "date"],
  ["March 5, 1990", "1990", "undecided"],
  ["March 5, 1990", "1991", "mismatch", "date"],
  ["March 1990", "1990-03", "match", "date"],
  ["1990", "1990s", "undecided"],
  ["90 s", "1.5 min", "match", "number"],
  // lists in any order
  ["apples, bananas and cherries", "cherries, apples, bananas", "match", "list"],
  ["red; green; blue", "blue and green and red", "match", "list"],
  ["a, b and c", "a, b", "mismatch", "list"],
  ["a, b and c", "a, b and d", "mismatch", "list"],
  ["1, 2 and 3", "3, 2, 1", "match", "list"],
  // acronyms and near-matches
  ["United States of America", "USA", "match", "acronym"],
  ["Advertising", "architect and designer", "mismatch", "disjoint"],
  ["Onion", "onions", "match", "f1"],
  ["John Adams", "John Quincy Adams", "undecided"],
  ["the Eiffel Tower", "Eiffel tower in Paris", "undecided"],
  // negation
  ["Paris", "not Paris", "mismatch", "negation"],
  ["the Eiffel Tower in Paris", "not the Eiffel Tower in Paris", "mismatch", "negation"],
  ["yes", "no", "mismatch", "disjoint"],
  // empty
  ["Paris", "", "mismatch", "empty"],
];

test("tricky equivalences and non-equivalences", () => {
  const failures: string[] = [];
  for (const [truth, response, verdict, by] of TABLE) {
    const r = scoreByRules({ groundTruth: truth, response: `<answer>${response}</answer>` });
    if (r.verdict !== verdict || (by && r.decided_by !== by))
      failures.push(`${JSON.stringify(truth)} vs ${JSON.stringify(response)}: got ${r.verdict}/${r.decided_by}, want ${verdict}/${by ?? "*"}`);
    assert.equal(r.score, verdict === "match" ? 1 : 0);
  }
  assert.deepEqual(failures, []);
});

test("aliases: an aliases array and ' | '-separated forms", () => {
  const viaArray = scoreByRules({ groundTruth: "Onion", aliases: ["Allium cepa", "Bulb onion"], response: "<answer>allium cepa</answer>" });
  assert.equal(viaArray.verdict, "match");
  assert.equal(viaArray.decided_by, "alias");
  assert.equal(viaArray.rule, "exact");
  assert.equal(viaArray.matched, "Allium cepa");
  const viaPipes = scoreByRules({ groundTruth: "Onion | Allium cepa", response: "<answer>Allium cepa</answer>" });
  assert.equal(viaPipes.decided_by, "alias");
  assert.equal(scoreByRules({ groundTruth: "Onion | Allium cepa", response: "<answer>garlic</answer>" }).verdict, "mismatch");
  // One undecided form keeps the pair undecided rather than a mismatch.
  assert.equal(scoreByRules({ groundTruth: "Onion | Red onion", response: "<answer>red pepper</answer>" }).verdict, "undecided");
  assert.deepEqual(acceptedForms(" a | b | a ", ["c", "b"]), ["a", "b", "c"]);
});

test("options: relative tolerance, F1 threshold, disjoint verdict", () => {
  assert.equal(scoreByRules({ groundTruth: "3.14159", response: "3.14" }, { relTol: 0.01 }).verdict, "match");
  assert.equal(scoreByRules({ groundTruth: "Paris", response: "Lyon" }, { disjoint: "undecided" }).verdict, "undecided");
  assert.equal(scoreByRules({ groundTruth: "John Adams", response: "John Quincy Adams" }, { f1Threshold: 0.8 }).verdict, "match");
});

test("extraction: the policy format first, then boxed, answer lines, last line", () => {
  const cases: Array<[string, string, string]> = [
    ["I think it is 41.\nNo wait, 6*7.\n<answer>42</answer>", "42", "answer_tag"],
    ["<answer>41</answer> hmm, let me redo.\n<answer>42</answer>", "42", "answer_tag"],
    ["Reasoning. <answer>\\boxed{42}</answer>", "42", "answer_tag"],
    ["We get \\boxed{\\frac{3}{4}} in the end", "\\frac{3}{4}", "boxed"],
    ["So x = 3.\nFinal answer: 42", "42", "final_answer_line"],
    ["**Final Answer:** Paris.", "Paris", "final_answer_line"],
    ["Thinking...\nAnswer: Paris", "Paris", "answer_line"],
    ["Step 1: 2+2=4.\nThe answer is 4.", "4", "answer_line"],
    ["Let me think.\nParis", "Paris", "last_line"],
    ["   \n  ", "", "empty"],
  ];
  for (const [text, want, form] of cases) {
    const e = extractAnswer(text);
    assert.equal(e.text, want, text);
    assert.equal(e.form, form, text);
  }
  // Numbers met while reasoning never count: only the final answer does.
  assert.equal(scoreByRules({ groundTruth: "3/4", response: "First 1/2, then...\n\\boxed{\\frac{3}{4}}" }).verdict, "match");
  assert.equal(scoreByRules({ groundTruth: "12", response: "Maybe 12? No.\n<answer>120</answer>" }).verdict, "mismatch");
});

test("a reply to the project's policy prompt is extracted from its last line", () => {
  const prompt = renderPolicyPrompt(DEFAULT_POLICY_TEMPLATE, "How long is the road?");
  assert.ok(prompt.includes("<answer>"));
  const reply = "The road runs 1,200 km from A to B, as the text says.\n<answer>1,200 kilometres</answer>";
  const r = scoreByRules({ groundTruth: "1200 km", response: reply });
  assert.equal(r.extraction, "answer_tag");
  assert.equal(r.verdict, "match");
});
