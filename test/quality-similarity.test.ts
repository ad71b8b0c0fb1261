import { test } from "node:test";
import assert from "node:assert/strict";
import { answerKey, nearDuplicate, NEAR_DUP_SAME_ANSWER, NEAR_DUP_SAME_QUESTION, questionSimilarity } from "../src/quality/similarity.js";

test("a paraphrase that adds or changes a few words stays similar; numbers and operators tell questions apart", () => {
  const q = "Volunteers counted 312 puffins and 148 razorbills on one June morning. How many birds did they count?";
  const added = "Volunteers counted 312 puffins and 148 razorbills on one June morning. How many individual birds were counted in total?";
  assert.ok(questionSimilarity(q, added) >= NEAR_DUP_SAME_ANSWER);
  assert.equal(questionSimilarity(q, q.replace("148", "150")), 0);
  assert.equal(questionSimilarity("A gear with 40 teeth drives a gear with 10 teeth.", "A 40-tooth gear drives a 10-tooth gear.") > 0, true);
  assert.ok(questionSimilarity("What does 7 // 2 evaluate to in Python?", "What does 7 / 2 evaluate to in Python?") < 1);
  assert.equal(questionSimilarity("How many legs does a spider have?", "How many legs does a spider have?"), 1);
});

test("answers agree by value or by words without articles", () => {
  assert.equal(answerKey("1,050 seats"), answerKey("1050"));
  assert.equal(answerKey("the Danube"), answerKey("Danube"));
  assert.notEqual(answerKey("100"), answerKey("212"));
});

test("nearDuplicate: same answer at the lower threshold, any answer at the higher one", () => {
  const a = { question: "What is the boiling point of pure water at sea level, in degrees Celsius?", answer: "100" };
  const b = { question: "At sea level, what is the boiling point of pure water in degrees Celsius?", answer: "100 °C" };
  assert.equal(nearDuplicate(a, b).duplicate, true);
  // Close questions with different answers: kept apart.
  const markup = { question: "A shop buys a jacket for $60 and sells it at a 25% markup on cost. What is the selling price?", answer: "$75" };
  const margin = { question: "A shop buys a jacket for $60 and prices it so that its margin is 25% of the selling price. What is the selling price?", answer: "$80" };
  const mm = nearDuplicate(markup, margin);
  assert.ok(mm.similarity >= NEAR_DUP_SAME_ANSWER && mm.similarity < NEAR_DUP_SAME_QUESTION, String(mm.similarity));
  assert.equal(mm.duplicate, false);
  assert.equal(nearDuplicate(markup, { ...margin, answer: "75 dollars" }).duplicate, true);
  // Names tell template siblings apart: another unit, another country.
  const c = { question: "What is the boiling point of pure water at sea level, in degrees Fahrenheit?", answer: "100" };
  assert.equal(questionSimilarity(a.question, c.question), 0);
  assert.equal(questionSimilarity("Which city is the capital of Portugal?", "Which city is the capital of Spain?"), 0);
  assert.ok(questionSimilarity("In which year did Darwin publish On the Origin of Species?", "In which year did Charles Darwin publish On the Origin of Species?") >= NEAR_DUP_SAME_QUESTION);
  const d = { question: "What was the population of Eger in the 1870 census?", answer: "17,000" };
  const e = { question: "In the 1870 census, what was Eger's population?", answer: "18,000" };
  assert.equal(nearDuplicate(d, e).duplicate, true, "one question with two answers is a duplicate whatever the answers");
});
