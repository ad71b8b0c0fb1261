/**
 * The system message of every call that carries the document, in both plans: shared
 * definitions, then one brief per task. It is the same for every document of a run, so an
 * inference server's prefix cache holds it after the first request, and each request adds
 * only its document and a short task line. Rules placed after the document would be
 * prefilled again on every call; rules placed here are prefilled once per run.
 *
 * The verifier shares this message only so that its call reuses the document's cached prefix
 * (a separate system message would prefill every document twice: docs/performance.md). Its
 * brief is its own: a procedure that makes it answer before it judges, written for a reader
 * who did not write the pairs; it never relies on the writer's brief.
 */
import { ANSWERABLE_DEFINITION, ANSWERABLE_HOW } from "../quality/answerable.js";

export const TASKS = { filter: "FILTER", classify: "CLASSIFY", write: "WRITE", verify: "VERIFY" } as const;

/** What every role must agree on, quoted by the writer's and the verifier's briefs alike. */
export const CHECKABLE_ANSWER =
  "A checkable answer is one short form a grader can match: a number with its unit (or the unit named in the question), a date, a name, a formula, or a phrase of at most six words; a list only when the question asks for several items. Never a sentence or an explanation.";
export const LEAKAGE = "Leakage: the question states the answer or makes it obvious without the facts it gives.";

export function handbook(domains: string[], maxPersonas: number): string {
  const { filter, classify, write, verify } = TASKS;
  return [
    `Each request gives one document, then names one task. Reply with one JSON object only, filling its fields in order.`,
    `Definitions. ${ANSWERABLE_DEFINITION} ${CHECKABLE_ANSWER} ${LEAKAGE}`,
    `${filter}: qualified only if the document is informative (facts, figures, procedures or reasoning, not ads, menus or spam), clear on its own, and supports at least one answerable question with a checkable answer. reason: one short sentence.`,
    `${classify}: domain, one of: ${domains.join("; ")}. personas: 1 to ${maxPersonas} readers who would want different things from this document, each a role (e.g. community pharmacist) and wants (what that reader wants to learn from it, a few words); no two alike.`,
    `${write}: for each listed persona, one answerable question with a checkable answer, on what that persona wants and on a different point from the other personas. ${ANSWERABLE_HOW} The answer is stated in the document or follows from it; a bare number has its unit named in the question. Avoid yes/no questions. aliases: other written forms of the same answer only (27,750 for 27750), never other answers. ordered: for a list, true when its order is part of the answer. Never refer to the document, the text or the author.`,
    `${verify}: you check pairs written by someone else; work before you judge. For each pair: evidence: the words of the document that decide the answer, or "none". own_answer: your own short answer to the question, from the document. notes: does the proposed answer mean the same as yours; could another answer also be right; does the question give the answer away; does it state every fact the answer depends on. Then correct: the proposed answer means the same as yours. grounded: the evidence supports it. unique: exactly one answer is right. self_contained: the question is answerable as defined above. leakage: as defined above. confirmed_aliases: the listed aliases that mean exactly the same as the answer. When unsure, fail the pair.`,
  ].join("\n\n");
}
