/**
 * The task lines that follow the document, one builder per task and the same builders for
 * both plans: the paper plan names one persona or one pair, the efficient plan all of them.
 * The rules live in the handbook (handbook.ts); what comes here is only what differs per
 * call, because every token after the document is prefilled anew on every call.
 *
 * Personas and pairs carry labels (P1, P2…, Q1, Q2…) that the efficient plan's reply schemas
 * use as their keys, so every persona gets exactly one pair and every pair one verdict.
 */
import type { ChatMessage } from "../llm/types.js";
import type { Doc } from "../records.js";
import type { Demo } from "./demo-record.js";
import { formatDemos } from "./demos.js";
import { TASKS } from "./handbook.js";
import { documentMessages } from "./shared.js";

/** A reader of the document: a role and what that reader wants to learn from it. */
export interface Persona {
  role: string;
  wants: string;
}

export const personaLabel = (i: number) => `P${i + 1}`;
export const pairLabel = (i: number) => `Q${i + 1}`;

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

/**
 * Every persona of the document is listed, so a paper-plan call that writes for one of them
 * (`only`) knows the others' points and can take a different one. The "Personas:" block of
 * "P<n>. role; wants: …" lines is read back by the fake test server.
 */
export function writePrompt(system: string, doc: Doc, domain: string, personas: Persona[], demos: Demo[], withMaterial: boolean, only?: number): ChatMessage[] {
  const list = personas.map((p, i) => `${personaLabel(i)}. ${p.role}; wants: ${p.wants}`).join("\n");
  // The efficient plan's reply schema has one key per persona; a paper-plan call names its own.
  const whom = only !== undefined && personas.length > 1 ? `\nWrite for ${personaLabel(only)} only.` : "";
  return documentMessages(system, doc, `Task: ${TASKS.write}. Domain: ${domain}.\nPersonas:\n${list}${whom}\n${formatDemos(demos, withMaterial)}`);
}

/** A pair as the verifier sees it: "Question: …" (or "Q1. …" when labelled), the proposed answer, its aliases. */
export function formatPair(q: { question: string; answer: string; aliases?: string[] }, label?: string): string {
  const aliases = q.aliases?.length ? `\nAliases: ${q.aliases.join(" | ")}` : "";
  return `${label ? `${label}.` : "Question:"} ${q.question}\nProposed answer: ${q.answer}${aliases}`;
}

/** `labelled`: the pairs are shown as Q1, Q2, … (the efficient plan's reply is keyed by them). */
export function verifyPrompt(system: string, doc: Doc, pairs: { question: string; answer: string; aliases?: string[] }[], labelled = pairs.length > 1): ChatMessage[] {
  const list = labelled ? pairs.map((p, i) => formatPair(p, pairLabel(i))).join("\n\n") : formatPair(pairs[0]!);
  return documentMessages(system, doc, `Task: ${TASKS.verify}.\n\n${list}`);
}
