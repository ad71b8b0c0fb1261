/**
 * The deterministic pair guards (src/quality), one behaviour per test. The labelled set in
 * test/data/quality-pairs.jsonl measures them as a whole (test/quality-set.test.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { guardPair, type GuardResult } from "../src/quality/guards.js";
import { checkAnswerForm } from "../src/quality/answer-form.js";
import { inferAnswerType } from "../src/quality/answer-types.js";
import { countWords } from "../src/quality/text.js";
import type { AnswerType } from "../src/records.js";

const guard = (question: string, answer: string, answer_type: AnswerType = "short_phrase", maxAnswerWords = 10): GuardResult =>
  guardPair({ question, answer, answer_type }, { maxAnswerWords });
const code = (r: GuardResult) => (r.ok ? null : r.code);
const OK_Q = "Which river flows through the Hungarian capital Budapest?";

test("words are counted as a reader counts them: apostrophes, hyphens and number separators join", () => {
  assert.equal(countWords("state-of-the-art"), 1);
  assert.equal(countWords("O'Brien's mid-19th-century design"), 3);
  assert.equal(countWords("1,200 km at 3.5% a year"), 6);
  // An 11-word answer by the old count (hyphens split) is a 7-word answer.
  assert.equal(guard(OK_Q, "a state-of-the-art, well-known mid-river port").ok, true);
});

test("empty_answer: placeholders and non-answers, not real answers", () => {
  for (const a of ["N/A", "unknown", "None", "...", "Not stated.", "see above", "  ", "?", "It depends", "not possible to determine", "impossible to say"])
    assert.equal(code(guard(OK_Q, a)), "empty_answer", a);
  for (const a of ["Danube", "The Danube", "Nonetheless Press"]) assert.equal(code(guard(OK_Q, a)), null, a);
});

test("a sentence answer is reduced to its checkable core, keeping the original", () => {
  const cases: [string, string, AnswerType, string, AnswerType?][] = [
    ["Under EU rules, may a seller add a surcharge to a consumer's debit card payment?", "No, sellers are prohibited from surcharging consumer debit card payments.", "short_phrase", "No", "yes_no"],
    ["Is the claim that every prime is odd true or false?", "The result is false.", "short_phrase", "false"],
    ["Who painted the Mona Lisa?", "The Mona Lisa was painted by Leonardo da Vinci.", "entity", "Leonardo da Vinci"],
    ["Into which sea does the Danube flow?", "The Danube flows into the Black Sea.", "entity", "Black Sea"],
    ["How many people attended the meeting if 120 residents and 35 visitors came?", "155 people attended the meeting.", "number", "155"],
    ["What is the speed of light in a vacuum, in km/s?", "It is about 300,000 km/s.", "number", "about 300,000 km/s"],
    ["Which three colours make up the French flag?", "The colours of the French flag are blue, white and red.", "list", "blue, white and red"],
  ];
  for (const [q, a, t, core, type] of cases) {
    const r = guard(q, a, t);
    assert.ok(r.ok, `${a}: ${JSON.stringify(r)}`);
    assert.equal(r.answer, core, a);
    assert.equal(r.reducedFrom, a);
    assert.equal(r.answer_type, type ?? t);
  }
});

test("a sentence with no short core is rejected, short or long", () => {
  assert.equal(code(guard("How does a vaccine protect the body?", "It trains the immune system to recognise a pathogen.")), "sentence_answer");
  assert.equal(code(guard("What happens to the boiling point of water at high altitude?", "It is lower because the air pressure is lower.")), "sentence_answer");
  assert.equal(code(guard("What does inflation do to savings?", "It reduces the purchasing power of money held in savings over time.")), "answer_too_long");
  // Reducing must not cut a clause into a fake list, nor leave a core dangling on "than".
  assert.equal(code(guard("What did the Treaty of Versailles require of Germany?", "Germany had to accept blame for the war and pay large reparations.")), "answer_too_long");
  const reduced = checkAnswerForm("Why does ice float on liquid water?", "Ice is less dense than liquid water.", "short_phrase", 10);
  assert.ok(reduced.ok);
  assert.equal(reduced.answer, "less dense than liquid water");
});

test("names, titles and value phrases are not sentences", () => {
  for (const [q, a] of [
    ["Which 1944 book by Erwin Schrödinger asked about the physical basis of living cells?", "What Is Life?"],
    ["What is the full title of Keynes's 1936 book?", "The General Theory of Employment, Interest and Money"],
    ["Which kitchen tool opens tins?", "a can opener"],
    ["Which treaty ended the Thirty Years' War?", "The Treaty of Westphalia."],
    ["What economic law relates price to quantity?", "the law of supply and demand."],
  ]) assert.equal(code(guard(q, a)), null, a);
});

test("short lists pass whatever the type label; long answers that are not lists do not", () => {
  assert.equal(code(guard("Which eleven cities are Portugal's district capitals on the coast or near it?", "Lisbon, Porto, Braga, Coimbra, Faro, Aveiro, Viana do Castelo, Leiria, Setúbal, Viseu, Funchal", "other")), null);
  assert.equal(code(guard("Which four chambers make up the heart?", "left atrium, right atrium, left ventricle, right ventricle", "other")), null);
  const long = "the river that rises in the Black Forest and flows east to the Black Sea";
  assert.equal(code(guard(OK_Q, long)), "answer_too_long");
  assert.equal(code(guard(OK_Q, long, "list")), "answer_too_long");
  assert.equal(code(guard(OK_Q, "x equals minus b plus or minus the square root of b squared minus four a c over two a", "formula")), null);
});

test("leakage: a name or phrase in its question leaks, numbers given as data do not", () => {
  assert.equal(code(guard("Which river, the Danube, flows through Budapest?", "the Danube", "entity")), "answer_in_question");
  assert.equal(code(guard("Python's creator, Guido van Rossum, designed which language?", "Python", "entity")), "answer_in_question");
  // Numbers as data: operands, bounds, one number among several.
  assert.equal(code(guard("If 3x + 2 = 8, what is the value of x?", "2", "number")), null);
  assert.equal(code(guard("What is the limit of 1/n as n grows, given that for every epsilon > 0 some N makes 1/n < epsilon for n > N?", "0", "number")), null);
  assert.equal(code(guard("What is the least common multiple of 12 and 36?", "36", "number")), null);
  // Numbers stated as the fact asked for.
  assert.equal(code(guard("Mars has 2 small moons. How many moons does Mars have?", "2", "number")), "answer_in_question");
  assert.equal(code(guard("A theatre with 25 rows holds 1,050 seats. How many seats does it hold?", "1050", "number")), "answer_in_question");
  assert.equal(code(guard("How many sides does a hexagon, a six-sided polygon, have?", "6", "number")), "answer_in_question");
  assert.equal(code(guard("The Eiffel Tower was completed in 1889. In what year was it completed?", "1889", "date")), "answer_in_question");
  // Yes/no answers never leak through a "no" in the question; one-letter answers are the verifier's.
  assert.equal(code(guard("Is it true that no mammal lays eggs?", "No", "yes_no")), null);
  assert.equal(code(guard("Which vitamin is also called vitamin C's precursor, option C or option D?", "C", "entity")), null);
});

test("context_reference catches unseen material in its many phrasings", () => {
  for (const q of [
    "Which two methods did the tutors describe as most effective?",
    "Which technique worked best in a recent study?",
    "Based on these findings, which age group shops online most?",
    "In recent industry news, which company built the largest battery plant?",
    "According to the text, what year was the bridge built?",
    "What does the author argue about tariffs?",
    "Which method is described above?",
    "What is the main claim of this article?",
    "In the table, which month had the highest sales?",
    "What does the chart show as the fastest-growing sector?",
    "How much did the startup raise in its latest round?",
    "What was the relapse rate in the treatment group?",
    "What was the score of the match reported in the newsletter?",
    "What share of households saved money, based on the data above?",
  ]) assert.equal(code(guard(q, "Danube")), "context_reference", q);
});

test("context_reference leaves named things, introduced nouns and inline material alone", () => {
  for (const q of [
    "Who is the author of Pride and Prejudice?",
    "What is the text of the First Amendment's establishment clause about?",
    "Which element has the symbol Fe on the periodic table?",
    "In the story of the Trojan War, which hero was vulnerable only at his heel?",
    "According to the Universal Declaration of Human Rights, how many articles are there?",
    "What does the `text` attribute of a requests Response hold?",
    "What does this Python function return for f(3): def f(n): return n * n + 1",
    "A 2019 survey of 300 nurses found that 40% work nights. In the survey, how many nurses work nights?",
    "Given 3, 5 and 7 as three sample values, what is the mean of these numbers?",
    "As seen from Earth, which planet is brightest after the Moon?",
    "In the Document Object Model, what is the root node called?",
    OK_Q,
  ]) assert.equal(code(guard(q, "Danube")), null, q);
});

test("many_answers catches questions that ask for one of many", () => {
  for (const q of ["Name a prime number greater than 10.", "What is one benefit of exercise?", "Which is a popular dish in Lyon?", "Give an example of a mammal that lays eggs.", "Who was one of the founders of Apple?", "How can a traveller save money on trains?", "What are some ways to cut an energy bill?"])
    assert.equal(code(guard(q, "Danube")), "many_answers", q);
  for (const q of ["Name the capital of Portugal.", "What is the probability that exactly one of the three coins lands heads?", "How many legs does a spider have?"])
    assert.equal(code(guard(q, "Danube")), null, q);
});

test("answer_type consistency: number, date, yes_no", () => {
  for (const a of ["1,200", "3.5%", "1.2e3", "$40", "12 km", "-7", "about 300 people", "3/4", "twelve", "2.5 million", "40 °C"])
    assert.equal(code(guard(OK_Q, a, "number")), null, a);
  for (const a of ["Danube", "many", "the twelfth king"]) assert.equal(code(guard(OK_Q, a, "number")), "answer_type_mismatch", a);
  for (const a of ["1848", "March 15, 1848", "1990s", "19th century", "2021-03-04", "12/05/1999", "44 BC"]) assert.equal(code(guard(OK_Q, a, "date")), null, a);
  for (const a of ["Budapest", "the king"]) assert.equal(code(guard(OK_Q, a, "date")), "answer_type_mismatch", a);
  for (const a of ["Yes", "no."]) assert.equal(code(guard(OK_Q, a, "yes_no")), null, a);
  assert.equal(code(guard(OK_Q, "Probably", "yes_no")), "answer_type_mismatch");
});

test("answer types are inferred for imported pairs", () => {
  assert.equal(inferAnswerType("42"), "number");
  assert.equal(inferAnswerType("Yes"), "yes_no");
  assert.equal(inferAnswerType("1848"), "date");
  assert.equal(inferAnswerType("Danube"), "other");
});
