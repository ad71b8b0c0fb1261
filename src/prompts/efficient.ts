/**
 * Prompts of `--plan efficient`: filter+identify in one call, all personas' pairs in one
 * call, all of a document's pairs checked in one call (separate from generation, so the
 * verifier still judges independently).
 */
import type { ChatMessage } from "../llm/types.js";
import type { Doc } from "../records.js";
import type { Demo } from "./demo-record.js";
import { formatDemos } from "./demos.js";
import { FILTER_CRITERIA } from "./filter.js";
import { identifyInstructions } from "./identify.js";
import { CHECK_CRITERIA, documentMessages, PAIR_RULES } from "./shared.js";
import { formatPair } from "./check.js";

export function filterIdentifyPrompt(doc: Doc, domains: string[], maxPersonas: number): ChatMessage[] {
  return documentMessages(
    doc,
    `Task: first decide whether the document above is good source material for verifiable question-answer pairs, then classify it.\n` +
      `${FILTER_CRITERIA}\n\nIf it is qualified, also give:\n${identifyInstructions(domains, maxPersonas)}\n` +
      `If it is not qualified, still give your best domain and one persona.\n\n` +
      `Reply as {"qualified": true or false, "reason": "<one short sentence>", "domain": "<one domain>", "personas": ["<persona>", ...]}.`,
  );
}

export function generateAllPrompt(doc: Doc, domain: string, personas: string[], demos: Demo[]): ChatMessage[] {
  const list = personas.map((p, i) => `${i + 1}. ${p}`).join("\n");
  return documentMessages(
    doc,
    `Task: write one question-answer pair about the document above for EACH of these personas, from that persona's point of view, ` +
      `each asking about something different:\n${list}\n\nDomain: ${domain}\n\nRules for every pair:\n${PAIR_RULES}\n\n${formatDemos(demos)}` +
      `Reply as {"pairs": [{"persona": "<persona as listed>", "question": "...", "answer": "...", "answer_type": "...", "aliases": []}, ...]} with one entry per persona, in order.`,
  );
}

export function checkAllPrompt(doc: Doc, pairs: { question: string; answer: string }[]): ChatMessage[] {
  const list = pairs.map((p, i) => `Pair ${i + 1}\n${formatPair(p)}`).join("\n\n");
  return documentMessages(
    doc,
    `Task: verify each question-answer pair below, which someone wrote about the document above. Judge each pair on its own, strictly; when unsure, say false (or true for leakage).\n\n` +
      `${list}\n\nFor each pair judge:\n${CHECK_CRITERIA}\n\n` +
      `Reply as {"verdicts": [{"pair": <number>, "correct": bool, "grounded": bool, "self_contained": bool, "leakage": bool, "reason": "<one short sentence>"}, ...]} with one verdict per pair.`,
  );
}
