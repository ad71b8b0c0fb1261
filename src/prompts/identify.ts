import type { ChatMessage } from "../llm/types.js";
import type { Doc } from "../records.js";
import { documentMessages } from "./shared.js";

export function identifyInstructions(domains: string[], maxPersonas: number): string {
  return (
    `1. domain: exactly one of: ${domains.join("; ")}.\n` +
    `2. personas: 1 to ${maxPersonas} different kinds of people who would read this document and want to ask about it ` +
    `(e.g. "nurse practitioner", "first-year economics student", "travel blogger"). Each is a short role of 2 to 8 words. ` +
    `Choose personas who would ask different kinds of questions.`
  );
}

export function identifyPrompt(doc: Doc, domains: string[], maxPersonas: number): ChatMessage[] {
  return documentMessages(
    doc,
    `Task: classify the document above.\n${identifyInstructions(domains, maxPersonas)}\n\n` +
      `Reply as {"domain": "<one domain>", "personas": ["<persona>", ...]}.`,
  );
}
