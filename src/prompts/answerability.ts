/**
 * The blind answerability judge's prompts. It sees the questions only: no document, no
 * answers, no handbook. A judge that can read the document fills a missing fact from it
 * without noticing; only a reader without it notices that a question leans on unseen
 * material. Its system message is its own and the same for every call, so a prefix cache
 * holds it; the questions after it are the only tokens prefilled per call.
 */
import type { ChatMessage } from "../llm/types.js";
import { ANSWERABLE_DEFINITION } from "../quality/answerable.js";

export const ANSWERABILITY_SYSTEM = [
  `You review quiz questions for readers who will never see the material they were written from. Reply with one JSON object only, filling its fields in order.`,
  ANSWERABLE_DEFINITION,
  `For each question: needs: what a reader would have to know that the question does not state and general knowledge does not supply (a private fact, an unnamed setting, a figure it only hints at, "the study", "the author"), or "nothing". answerable: true only if the question alone leads a knowledgeable reader to exactly one short answer. Do not answer the questions.`,
].join("\n\n");

/** One question, or several labelled Q1, Q2, … (the labels are the reply's keys). */
export function answerabilityPrompt(questions: { label?: string; question: string }[]): ChatMessage[] {
  const list = questions.map((q) => (q.label ? `${q.label}. ${q.question}` : `Question: ${q.question}`)).join("\n");
  return [
    { role: "system", content: ANSWERABILITY_SYSTEM },
    { role: "user", content: list },
  ];
}
