/**
 * The deterministic pair guards: everything a rule can see of the definition of answerable
 * (answerable.ts) and of a checkable answer, in one place. The pipeline runs them before the
 * check call (a rejected pair costs no model call; reason `check.<code>`) and curation runs
 * them on every pair it admits, imported ones included (`quality.<code>`).
 *
 * Order: the answer's form first (a sentence answer is reduced to its core, and every later
 * rule sees the core), then its declared type, then the question's references to unseen
 * material, its openness, and leakage of the answer.
 */
import type { AnswerType } from "../records.js";
import { checkAnswerForm } from "./answer-form.js";
import { isDateAnswer, isNumberAnswer, isYesNoAnswer } from "./answer-types.js";
import { findLeak } from "./leakage.js";
import { findOpenEnded } from "./open-ended.js";
import { findReference } from "./references.js";

export const GUARD_CODES = [
  "empty_answer",
  "sentence_answer",
  "answer_too_long",
  "answer_type_mismatch",
  "context_reference",
  "many_answers",
  "answer_in_question",
] as const;
export type GuardCode = (typeof GUARD_CODES)[number];

export interface GuardIssue {
  code: GuardCode;
  detail: string;
}

export interface GuardedPair {
  question: string;
  answer: string;
  answer_type: AnswerType;
}

export interface GuardOptions {
  /** Longest answer in words, for answers that are neither short lists nor formulas. */
  maxAnswerWords: number;
}

/** Kept: the pair to keep (its answer reduced to the core when it was a sentence, the original in `reducedFrom`). */
export type GuardResult = { ok: true; answer: string; answer_type: AnswerType; reducedFrom?: string } | ({ ok: false } & GuardIssue);

export const DEFAULT_MAX_ANSWER_WORDS = 10;

function typeMismatch(answer: string, type: AnswerType): GuardIssue | null {
  const ok = type === "number" ? isNumberAnswer(answer) : type === "date" ? isDateAnswer(answer) : type === "yes_no" ? isYesNoAnswer(answer) : true;
  return ok ? null : { code: "answer_type_mismatch", detail: `answer "${answer.slice(0, 40)}" is not a ${type}` };
}

export function guardPair(pair: GuardedPair, opts: GuardOptions = { maxAnswerWords: DEFAULT_MAX_ANSWER_WORDS }): GuardResult {
  const form = checkAnswerForm(pair.question, pair.answer, pair.answer_type, opts.maxAnswerWords);
  if (!form.ok) return form;
  const issue =
    typeMismatch(form.answer, form.answer_type) ??
    findReference(pair.question) ??
    findOpenEnded(pair.question) ??
    findLeak(pair.question, form.answer, form.answer_type);
  if (issue) return { ok: false, ...issue };
  return form;
}
