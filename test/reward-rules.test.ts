import { test } from "node:test";
import assert from "node:assert/strict";
import { extractAnswer } from "../src/reward/extract.js";
import { acceptedForms, scoreByRules, type DecidedBy } from "../src/reward/score.js";
import { DEFAULT_POLICY_TEMPLATE, renderPolicyPrompt } from "../src/policy-format.js";
import { questionOrderWords, requestedPrecision } from "../src/reward/question.js";

type Row = [truth: string, response: string, verdict: "match" | "mismatch" | "undecided", by?: DecidedBy, context?: { question?: string; ordered?: boolean; disjoint?: "mismatch" }];

/** Training always passes the question; rows that do not care use one without order or precision words. */
const Q = { question: "What does the passage say?" };

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
  ["Paris", "Lyon", "undecided"],
  ["Paris", "Lyon", "mismatch", "disjoint", { disjoint: "mismatch" }],
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
  // rounding: a response rounded to the precision it states, with at least three significant digits
  ["3.14159", "3.14", "match", "number"],
  ["3.14159", "3.1", "undecided"],
  ["3.14159", "3.15", "undecided"],
  ["3.14159", "3.16", "mismatch", "number"],
  ["5/36", "0.139", "match", "number"],
  ["5/36", "0.1389", "match", "number"],
  ["5/36", "13.9%", "match", "number"],
  ["5/36", "0.14", "undecided"],
  ["5/36", "0.138", "undecided"],
  ["5/36", "0.15", "mismatch", "number"],
  ["0.139", "5/36", "undecided"],
  ["1234", "1.23 thousand", "undecided"],
  ["12.6", "13", "undecided"],
  ["12.6", "13", "match", "number", { question: "Round the result to the nearest whole number." }],
  ["3.14159", "3.14", "undecided", undefined, { question: "Give the value to four decimal places." }],
  ["3.14159", "3.1416", "match", "number", { question: "Give the value to four decimal places." }],
  // money sub-units, SI prefixes, unit names from the one table
  ["42 cents", "$0.42", "match", "number"],
  ["$0.42", "42 cents", "match", "number"],
  ["€0.42", "42 cents", "match", "number"],
  ["£1.50", "150 pence", "match", "number"],
  ["42 cents", "0.42", "undecided"],
  ["42 cents", "$0.24", "mismatch", "number"],
  ["4.7 kΩ", "4700 ohms", "match", "number"],
  ["4.7 kilohms", "4,700 Ω", "match", "number"],
  ["2.2 µF", "2.2 microfarads", "match", "number"],
  ["5 MHz", "5000 kHz", "match", "number"],
  ["3 kW", "3,000 watts", "match", "number"],
  ["3 MW", "3 mW", "mismatch", "number"],
  ["6,000 atmospheres", "about 6000 atm", "match", "number"],
  ["101.325 kPa", "1 atm", "match", "number"],
  ["101.3 kPa", "1 atm", "undecided"],
  ["250 mA", "0.25 amperes", "match", "number"],
  ["500 mL", "0.5 L", "match", "number"],
  ["5 GB", "5,000 MB", "match", "number"],
  ["$5M", "$5 million", "match", "number"],
  ["$5K", "$5,000", "match", "number"],
  ["$5M", "$5", "mismatch", "number"],
  // "K": kelvin or thousand, decided by the other side
  ["100 °C", "373.15 K", "match", "number"],
  ["373.15 K", "100 degrees Celsius", "match", "number"],
  ["100 °C", "373 K", "undecided"],
  ["100 °C", "300 K", "mismatch", "number"],
  ["300 K", "300", "undecided"],
  ["5K", "5000", "undecided"],
  ["5 million", "5M users", "match", "number"],
  ["twelve", "12", "match", "number"],
  ["12", "12 apostles", "match", "number"],
  ["0.1", "1/10", "match", "number"],
  ["Apollo 11", "Apollo 13", "mismatch", "number"],
  ["12", "twelve apostles", "undecided"],
  ["12", "a dozen or so", "match", "number"],
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
  ["apples, bananas and cherries", "cherries, apples, bananas", "match", "list", Q],
  ["red; green; blue", "blue and green and red", "match", "list", Q],
  ["a, b and c", "a, b", "mismatch", "list"],
  ["a, b and c", "a, b and d", "undecided"],
  ["a, b and c", "a, b and d", "mismatch", "list", { disjoint: "mismatch" }],
  ["1, 2 and 3", "1, 2 and 4", "mismatch", "list", Q],
  ["1, 2 and 3", "3, 2, 1", "match", "list", Q],
  // ordered lists: the record's flag, else order words in the question, else undecided
  ["intake, compression, power, exhaust", "intake, compression, power and exhaust", "match", "list", { question: "In what order do the four strokes of an engine occur?" }],
  ["intake, compression, power, exhaust", "compression, intake, power, exhaust", "mismatch", "order", { question: "In what order do the four strokes of an engine occur?" }],
  ["prophase, metaphase, anaphase, telophase", "metaphase, prophase, anaphase, telophase", "undecided", undefined, { question: "What are the stages of mitosis?" }],
  ["intake, compression, power, exhaust", "compression, intake, power, exhaust", "mismatch", "order", { ordered: true }],
  ["intake, compression, power, exhaust", "compression, intake, power, exhaust", "match", "list", { ordered: false, question: "In what order do the strokes occur?" }],
  ["Mercury, Venus, Earth", "Venus, Mercury, Earth", "mismatch", "order", { question: "Rank these planets from closest to farthest from the Sun." }],
  ["War and Peace", "Peace and War", "undecided", undefined, Q],
  ["Mercury, Venus, Earth", "Venus, Mercury, Earth", "match", "list", { question: "Which three planets lack large moons?" }],
  ["Mercury, Venus, Earth", "Venus, Mercury, Earth", "undecided"],
  ["boil, then simmer", "simmer, then boil", "mismatch", "order", Q],
  ["boil, then simmer", "boil and then simmer", "match", "list", Q],
  ["a, b and c", "a, b, c and d", "mismatch", "list", Q],
  ["Springfield, Illinois", "Springfield, IL", "undecided", undefined, Q],
  ["Paris, France", "Paris, Ile-de-France, France", "undecided", undefined, Q],
  // acronyms and near-matches
  ["United States of America", "USA", "match", "acronym"],
  ["Advertising", "architect and designer", "undecided"],
  ["autumn", "fall", "undecided"],
  ["Onion", "onions", "match", "exact"],
  // Latin and Greek plurals, web domains
  ["the mitochondria", "mitochondrion", "match", "variant"],
  ["nuclei", "nucleus", "match", "variant"],
  ["bacteria", "bacterium", "match", "variant"],
  ["analyses", "analysis", "match", "variant"],
  ["larvae", "larva", "match", "variant"],
  ["Workopolis.com", "Workopolis", "match", "variant"],
  ["Amazon", "amazon.co.uk", "match", "variant"],
  ["Workopolis.com", "Workopolis.ca", "undecided"],
  // other names a rule cannot check
  ["Illinois", "IL", "undecided"],
  ["iron", "Fe", "undecided"],
  ["water", "H2O", "undecided"],
  ["World War II", "WWII", "match", "acronym"],
  ["World War II", "WW2", "match", "acronym"],
  ["World War I", "WWII", "undecided"],
  ["John Adams", "John Quincy Adams", "undecided"],
  ["the Eiffel Tower", "Eiffel tower in Paris", "undecided"],
  // negation
  ["Paris", "not Paris", "mismatch", "negation"],
  ["the Eiffel Tower in Paris", "not the Eiffel Tower in Paris", "mismatch", "negation"],
  ["yes", "no", "mismatch", "boolean"],
  // booleans
  ["True", "yes", "match", "boolean"],
  ["yes", "Correct.", "match", "boolean"],
  ["No", "False", "match", "boolean"],
  ["No", "No, it does not.", "match", "boolean"],
  ["Yes", "No, it is not.", "mismatch", "boolean"],
  ["Yes", "Yes, but only in winter", "undecided"],
  ["Yes", "yes and no", "undecided"],
  ["Yes", "Right atrium", "undecided"],
  // polarity and near misses: never a match, a judge question
  ["the pressure increases as the volume decreases at constant temperature", "the pressure decreases as the volume decreases at constant temperature", "undecided", "none"],
  ["the air flows from east to west over the ridge", "the air flows from west to east over the ridge", "undecided", "none"],
  ["heat is released to the surroundings during the reaction", "less heat is released to the surroundings during the reaction", "undecided", "none"],
  ["the enzyme works with oxygen present in the cell", "the enzyme works without oxygen present in the cell", "undecided", "none"],
  ["prices rose before the election in the capital region", "prices rose after the election in the capital region", "undecided", "none"],
  ["the treaty of the two kingdoms was signed at the northern border", "the treaty of the two kingdoms was signed at the southern border", "undecided", "none"],
  ["Henry VII", "Henry VIII", "undecided", "none"],
  ["Pope John Paul II", "Pope John Paul I", "undecided", "none"],
  ["the second law of thermodynamics", "the third law of thermodynamics", "undecided", "none"],
  ["signed in the city of Paris by the two ministers", "signed in the city of Paris by the three ministers", "undecided", "none"],
  ["the Treaty of Versailles signed in 1919", "the Treaty of Versailles signed 1919", "match", "f1"],
  ["the treaty was signed in Paris by the envoys of Britain and Spain", "the treaty was signed in Paris by the envoys of Britain and Spain and France", "undecided"],
  ["Trinidad and Tobago", "Trinidad and Tobago, West Indies", "undecided", undefined, Q],
  ["red, green and blue", "red, green, blue and yellow", "mismatch", "list", Q],
  ["Friday the 13th", "Friday 13", "match", "exact"],
  ["1,132", "one thousand, one hundred and thirty-two", "match", "number"],
  ["the treaty was signed by the envoys in the old palace of the king", "the treaty was signed by the envoys in the old palace of the King of Spain", "undecided"],
  ["Windows 10", "Windows 10.0", "undecided"],
  // hedges
  ["Paris", "Paris or London", "mismatch", "hedge"],
  ["1846", "1846 or 1848", "mismatch", "hedge"],
  ["1846", "either 1846 or 1848", "mismatch", "hedge"],
  ["Myanmar | Burma", "Myanmar or Burma", "match", "hedge"],
  ["Dead or Alive", "Dead or Alive", "match", "exact"],
  ["Moby Dick", "Moby-Dick; or, The Whale", "undecided"],
  ["Horace Walpole", "Horatio or Horace Walpole", "undecided"],
  ["Canberra", "Sydney or Melbourne", "mismatch", "hedge"],
  ["about 12", "12, more or less", "match", "number"],
  // formulas (computer algebra)
  ["x^2+2x+1", "(x+1)^2", "match", "formula"],
  ["x^2+2x+1", "(x+1)^3", "mismatch", "formula"],
  ["\\frac{\\sqrt{3}}{2}", "√3/2", "match", "formula"],
  ["\\frac{\\sqrt{3}}{2}", "0.866", "match", "formula"],
  ["\\frac{\\sqrt{3}}{2}", "0.87", "undecided"],
  ["\\frac{\\pi}{4}", "π/4", "match", "formula"],
  ["2\\sqrt{2}", "\\sqrt{8}", "match", "formula"],
  ["4", "x = 4", "match", "exact"],
  ["x = 4", "4", "match", "exact"],
  ["y = 2x + 3", "2x - y + 3 = 0", "match", "formula"],
  ["\\sin^2 x + \\cos^2 x", "1", "match", "formula"],
  ["\\sqrt{x^2}", "x", "mismatch", "formula"],
  ["2n+1", "2m+1", "undecided"],
  ["30°", "π/6", "undecided"],
  ["2π", "6.283", "match", "formula"],
  ["2", "2i", "undecided"],
  // signs are words: "-5" is never "5", "±4" never "4"
  ["4", "±4", "undecided"],
  ["the temperature fell to -5 degrees overnight in the valley", "the temperature fell to 5 degrees overnight in the valley", "undecided"],
  ["2", "0.02", "undecided", undefined, { question: "What percentage of the votes did the party win?" }],
  ["2", "0.02", "mismatch", "number", Q],
  ["1 million", "1 billion", "mismatch", "number"],
  ["x^2 + \\frac{1}{x", "x^2", "undecided"],
  // empty
  ["Paris", "", "mismatch", "empty"],
];

test("tricky equivalences and non-equivalences", () => {
  const failures: string[] = [];
  for (const [truth, response, verdict, by, context] of TABLE) {
    const r = scoreByRules({ groundTruth: truth, response: `<answer>${response}</answer>`, question: context?.question, ordered: context?.ordered }, { disjoint: context?.disjoint });
    if (r.verdict !== verdict || (by && r.decided_by !== by) || r.score !== (verdict === "match" ? 1 : 0))
      failures.push(`${JSON.stringify(truth)} vs ${JSON.stringify(response)}: got ${r.verdict}/${r.decided_by}, want ${verdict}/${by ?? "*"}`);
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
  assert.equal(scoreByRules({ groundTruth: "Onion | Allium cepa", response: "<answer>garlic</answer>" }, { disjoint: "mismatch" }).verdict, "mismatch");
  assert.equal(scoreByRules({ groundTruth: "Onion | Allium cepa", response: "<answer>garlic</answer>" }).verdict, "undecided");
  // One undecided form keeps the pair undecided rather than a mismatch.
  assert.equal(scoreByRules({ groundTruth: "Onion | Red onion", response: "<answer>red pepper</answer>" }).verdict, "undecided");
  assert.deepEqual(acceptedForms(" a | b | a ", ["c", "b"]), ["a", "b", "c"]);
});

test("options: relative tolerance, F1 threshold, disjoint verdict", () => {
  assert.equal(scoreByRules({ groundTruth: "3.14159", response: "3.1" }, { relTol: 0.02 }).verdict, "match");
  assert.equal(scoreByRules({ groundTruth: "Paris", response: "Lyon" }, { disjoint: "mismatch" }).verdict, "mismatch");
  assert.equal(scoreByRules({ groundTruth: "Paris", response: "Lyon" }).verdict, "undecided");
  assert.equal(scoreByRules({ groundTruth: "the Eiffel Tower", response: "the Eiffel Tower landmark" }, { f1Threshold: 0.8 }).verdict, "match");
  assert.equal(scoreByRules({ groundTruth: "the Eiffel Tower", response: "the Eiffel Tower landmark" }).verdict, "undecided");
  // An added name is never a near-match, whatever the threshold: John Quincy Adams is another president.
  assert.equal(scoreByRules({ groundTruth: "John Adams", response: "John Quincy Adams" }, { f1Threshold: 0.5 }).verdict, "undecided");
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
    // a marker anywhere in the last paragraph; the last one wins
    ["We checked the records, and the experiment was in 2007. Final answer: 2007", "2007", "final_answer_line"],
    ["Answer: 1999 at first.\n\nRechecking the log, the answer is 2007. It was a dry year.", "2007", "answer_line"],
    ["Final answer: 42\n\nI hope this helps!", "42", "final_answer_line"],
    ["The answer is St. Louis. It lies on the Mississippi.", "St. Louis", "answer_line"],
    // reasoning blocks are never the answer
    ["<think>It could be <answer>1999</answer>. Let me check.</think>\nThe log says 2007.\n<answer>2007</answer>", "2007", "answer_tag"],
    ["<think>the answer is 5</think>\nFinal answer: 6", "6", "final_answer_line"],
    ["the template opened the block, so only its end shows </think>\nThe answer is 12.", "12", "answer_line"],
    ["<think>still reasoning when the budget ran out, answer: 13", "", "empty"],
    // a currency sign is not a LaTeX delimiter
    ["<answer>$0.42</answer>", "$0.42", "answer_tag"],
    ["<answer>$x^2$</answer>", "x^2", "answer_tag"],
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

test("the question: order words and requested precision, never the template's own words", () => {
  for (const q of [
    "In what order do the four strokes of a petrol engine occur?",
    "Rank the planets from closest to farthest from the Sun.",
    "Put the events in chronological order.",
    "Which came first, and which followed: the treaty, the war, the armistice?",
    "Arrange the metals from lightest to heaviest.",
    "Which strokes does the engine make, in the order they happen?",
  ])
    assert.equal(questionOrderWords(q), "asks", q);
  for (const q of ["List the stages of mitosis.", "Which three teams ranked highest?", "What are the steps of the method?"]) assert.equal(questionOrderWords(q), "suggests", q);
  for (const q of ["Which three fruits does the recipe use?", "Name the noble gases in the second period.", "In order to cool the room, what does the unit remove?"])
    assert.equal(questionOrderWords(q), "none", q);
  // The export's policy prompt says "step by step"; that is not the question asking for steps.
  assert.equal(questionOrderWords(renderPolicyPrompt(DEFAULT_POLICY_TEMPLATE, "Which three fruits does the recipe use?")), "none");
  assert.deepEqual(requestedPrecision("Give the answer to two decimal places."), { step: 0.01 });
  assert.deepEqual(requestedPrecision("Express it to 3 significant figures."), { sig: 3 });
  assert.deepEqual(requestedPrecision("Round to the nearest hundred."), { step: 100 });
  assert.deepEqual(requestedPrecision("Round your answer sensibly."), { step: 0 });
  assert.equal(requestedPrecision("How many moons does Mars have?"), null);
});
