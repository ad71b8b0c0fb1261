import { test } from "node:test";
import assert from "node:assert/strict";
import { checkQuality, inferAnswerType } from "../src/curate/quality.js";
import type { AnswerType } from "../src/records.js";

const q = (question: string, answer: string, answer_type: AnswerType = "short_phrase") => checkQuality({ question, answer, answer_type }, 10);
const OK_Q = "Which river flows through the Hungarian capital Budapest?";

test("empty_answer fires on placeholders, not on real answers", () => {
  for (const a of ["N/A", "unknown", "None", "...", "Not stated.", "see above", "  ", "?"]) assert.equal(q(OK_Q, a)?.code, "empty_answer", a);
  for (const a of ["Danube", "The Danube", "Nonetheless Press"]) assert.equal(q(OK_Q, a), null, a);
});

test("answer_too_long fires above the word limit unless the type is list or formula", () => {
  const long = "the river that rises in the Black Forest and flows east to the Black Sea";
  assert.equal(q(OK_Q, long)?.code, "answer_too_long");
  assert.equal(q(OK_Q, long, "list"), null);
  assert.equal(q(OK_Q, "x equals minus b plus or minus the square root of b squared minus four a c over two a", "formula"), null);
  assert.equal(q(OK_Q, "the Danube river"), null);
});

test("context_reference fires on questions that lean on an unseen document", () => {
  for (const question of [
    "According to the text, what year was the bridge built?",
    "What does the author argue about tariffs?",
    "In the passage, which city is named first?",
    "Which method is described above?",
    "What is the main claim of this article?",
    "What does the document say about the budget?",
  ]) assert.equal(q(question, "Danube")?.code, "context_reference", question);
  for (const question of [
    "Who is the author of Pride and Prejudice?",
    "What is the text of the First Amendment's establishment clause about?",
    "What altitude above sea level is Lhasa?",
    OK_Q,
  ]) assert.equal(q(question, "Danube"), null, question);
});

test("answer_type consistency: number, date, yes_no", () => {
  for (const a of ["1,200", "3.5%", "1.2e3", "$40", "12 km", "-7", "about 300 people", "3/4", "twelve", "2.5 million", "40 °C"])
    assert.equal(q(OK_Q, a, "number"), null, a);
  for (const a of ["Danube", "many", "the twelfth king"]) assert.equal(q(OK_Q, a, "number")?.code, "answer_type_mismatch", a);
  for (const a of ["1848", "March 15, 1848", "1990s", "19th century", "2021-03-04", "12/05/1999", "44 BC"]) assert.equal(q(OK_Q, a, "date"), null, a);
  for (const a of ["Budapest", "the king"]) assert.equal(q(OK_Q, a, "date")?.code, "answer_type_mismatch", a);
  for (const a of ["Yes", "no."]) assert.equal(q(OK_Q, a, "yes_no"), null, a);
  assert.equal(q(OK_Q, "Probably", "yes_no")?.code, "answer_type_mismatch");
});

test("answer types are inferred for imported pairs", () => {
  assert.equal(inferAnswerType("42"), "number");
  assert.equal(inferAnswerType("Yes"), "yes_no");
  assert.equal(inferAnswerType("1848"), "date");
  assert.equal(inferAnswerType("Danube"), "other");
});
