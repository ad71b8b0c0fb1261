import type { ChatMessage } from "../llm/types.js";
import type { Doc } from "../records.js";
import type { Demo } from "./demo-record.js";
import { formatDemos } from "./demos.js";
import { documentMessages, PAIR_RULES } from "./shared.js";

export function generatePrompt(doc: Doc, domain: string, persona: string, demos: Demo[]): ChatMessage[] {
  return documentMessages(
    doc,
    `Task: write ONE question-answer pair about the document above, from the point of view of this persona: ${persona}.\n` +
      `Domain: ${domain}\n\nRules:\n${PAIR_RULES}\n\n${formatDemos(demos)}` +
      `Reply as {"question": "...", "answer": "...", "answer_type": "...", "aliases": []}.`,
  );
}
