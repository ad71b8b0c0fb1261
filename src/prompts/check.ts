import type { ChatMessage } from "../llm/types.js";
import type { Doc } from "../records.js";
import { CHECK_CRITERIA, documentMessages } from "./shared.js";

export function formatPair(q: { question: string; answer: string }): string {
  return `Question: ${q.question}\nProposed answer: ${q.answer}`;
}

export function checkPrompt(doc: Doc, pair: { question: string; answer: string }): ChatMessage[] {
  return documentMessages(
    doc,
    `Task: verify a question-answer pair that someone wrote about the document above. Judge it strictly; when unsure, say false (or true for leakage).\n\n` +
      `${formatPair(pair)}\n\nJudge:\n${CHECK_CRITERIA}\n\n` +
      `Reply as {"correct": bool, "grounded": bool, "self_contained": bool, "leakage": bool, "reason": "<one short sentence>"}.`,
  );
}
