/**
 * Pieces every stage prompt shares. Every call on a document starts with the same system
 * message and the same document block, so an inference server's prefix cache (vLLM
 * automatic prefix caching, hosted prompt caching) reuses the document's prefill across
 * filter, identify, generate and check. Stage instructions always come AFTER the document.
 */
import type { ChatMessage } from "../llm/types.js";
import type { Doc } from "../records.js";

export const SYSTEM_PROMPT =
  "You are a meticulous data annotator. You read one document and then carry out the task " +
  "written after it, building material for training language models with verifiable " +
  "question-answer pairs. You reply with a single JSON object and nothing else.";

/** The document block: the fake test server and the efficiency benchmarks rely on these markers. */
export function documentBlock(doc: Pick<Doc, "text">): string {
  return `<document>\n${doc.text}\n</document>\n\n`;
}

export function documentMessages(doc: Pick<Doc, "text">, instructions: string): ChatMessage[] {
  return [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: documentBlock(doc) + instructions },
  ];
}

/** The question-writing rules, stated once and used by both generation plans. */
export const PAIR_RULES = [
  "Everything comes from the document above: the answer is stated in it or follows directly from what it states.",
  "The answer is short and easy to verify: a number (with its unit, if any), a date, a name, or a phrase of at most six words.",
  "The question will be asked WITHOUT the document. It carries the background a reader needs (names, setting, the quantities involved) and never refers to \"the text\", \"the passage\", \"the article\", \"the document\" or \"the author\".",
  "The question does not contain the answer and does not give it away.",
  "Ask what this persona would genuinely want to know, in their own words.",
  "answer_type is one of: number, date, entity, short_phrase, yes_no, list, formula, other.",
  "aliases lists other correct ways to write the same answer (e.g. \"5 km\" and \"five kilometres\"); it may be empty.",
]
  .map((r, i) => `${i + 1}. ${r}`)
  .join("\n");

export const CHECK_CRITERIA = [
  "correct: the proposed answer is the right answer to the question.",
  "grounded: the answer is stated in the document, or follows directly from it.",
  "self_contained: someone who has NOT seen the document understands exactly what is asked (no \"the text\", no missing names or numbers).",
  "leakage: true when the answer can be read off the question itself, or guessed from it without any knowledge.",
]
  .map((r) => `- ${r}`)
  .join("\n");
