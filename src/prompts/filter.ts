import type { ChatMessage } from "../llm/types.js";
import type { Doc } from "../records.js";
import { documentMessages } from "./shared.js";

export const FILTER_CRITERIA = `Mark the document qualified only if ALL of these hold:
1. Informative: it states facts, figures, procedures or reasoning; it is not navigation, ads, cookie notices, boilerplate, link lists or keyword spam.
2. Self-contained and clear: a reader can follow it without other pages; it is not a fragment cut off from its context.
3. Deep enough: a reader learns something specific from it.
4. Verifiable: at least one question with a short, checkable answer (a number, date, name or short phrase) can be answered from it alone.`;

export function filterPrompt(doc: Doc): ChatMessage[] {
  return documentMessages(
    doc,
    `Task: decide whether the document above is good source material for verifiable question-answer pairs.\n${FILTER_CRITERIA}\n\n` +
      `Reply as {"qualified": true or false, "reason": "<one short sentence>"}.`,
  );
}
