/**
 * The task lines that follow the document, one builder per task and the same builders for
 * both plans: the paper plan lists one persona or one pair, the efficient plan all of them.
 * The rules live in the handbook (handbook.ts); what comes here is only what differs per
 * call, because every token after the document is prefilled anew on every call.
 */
import type { ChatMessage } from "../llm/types.js";
import type { Doc } from "../records.js";
import type { Demo } from "./demo-record.js";
import { formatDemos } from "./demos.js";
import { TASKS } from "./handbook.js";
import { documentMessages } from "./shared.js";

export function filterPrompt(system: string, doc: Doc): ChatMessage[] {
  return documentMessages(system, doc, `Task: ${TASKS.filter}.`);
}

export function classifyPrompt(system: string, doc: Doc): ChatMessage[] {
  return documentMessages(system, doc, `Task: ${TASKS.classify}.`);
}

/** Efficient plan: one call decides and classifies (a rejected document still gets a domain, unused). */
export function filterClassifyPrompt(system: string, doc: Doc): ChatMessage[] {
  return documentMessages(system, doc, `Tasks: ${TASKS.filter} and ${TASKS.classify}.`);
}

/** The persona list format ("Personas:" then "1. ..." lines) is read back by the fake test server. */
export function writePrompt(system: string, doc: Doc, domain: string, personas: string[], demos: Demo[], withMaterial: boolean): ChatMessage[] {
  const list = personas.map((p, i) => `${i + 1}. ${p}`).join("\n");
  return documentMessages(system, doc, `Task: ${TASKS.write}. Domain: ${domain}.\nPersonas:\n${list}\n${formatDemos(demos, withMaterial)}`);
}

export function formatPair(q: { question: string; answer: string }): string {
  return `Question: ${q.question}\nProposed answer: ${q.answer}`;
}

export function verifyPrompt(system: string, doc: Doc, pairs: { question: string; answer: string }[]): ChatMessage[] {
  const list = pairs.map((p, i) => `Pair ${i + 1}\n${formatPair(p)}`).join("\n\n");
  return documentMessages(system, doc, `Task: ${TASKS.verify}.\n\n${list}`);
}
