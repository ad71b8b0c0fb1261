/**
 * Pair-level logic shared by both plans: the generated-pair and verdict schemas, the
 * verdict → rejection rule and the QaRecord builder. (The deterministic guards that run
 * before the check call live in src/quality, shared with curation.)
 */
import { z } from "zod";
import { AnswerType, type Doc, type QaRecord, type Rejection } from "../records.js";
import { normalizeText } from "../util/normalize.js";
import { shortHash } from "../util/hash.js";
import { PROMPT_VERSION } from "../version.js";

export const GeneratedPair = z.object({
  question: z.string().min(1),
  answer: z.string().min(1),
  answer_type: AnswerType,
  aliases: z.array(z.string()).optional(),
  ordered: z.boolean().optional(),
});
export type GeneratedPair = z.infer<typeof GeneratedPair>;

/**
 * The verifier's reply for one pair. The field order is the order of work: under
 * schema-guided decoding a model writes fields in schema order, so it finds the evidence and
 * its own answer, and compares, before any verdict is fixed.
 */
export const CheckVerdict = z.object({
  evidence: z.string(),
  own_answer: z.string(),
  notes: z.string(),
  correct: z.boolean(),
  grounded: z.boolean(),
  unique: z.boolean(),
  self_contained: z.boolean(),
  leakage: z.boolean(),
  confirmed_aliases: z.array(z.string()),
});
export type CheckVerdict = z.infer<typeof CheckVerdict>;

/** The blind judge's reply for one question (prompts/answerability.ts): what is missing, then the verdict. */
export const AnswerabilityVerdict = z.object({ needs: z.string(), answerable: z.boolean() });
export type AnswerabilityVerdict = z.infer<typeof AnswerabilityVerdict>;

export interface PairDraft extends GeneratedPair {
  /** The persona's role, and what that reader wants to learn from the document. */
  persona: string;
  persona_focus?: string;
  domain: string;
  /** Set when a guard reduced a sentence answer to its core: the answer as written. */
  answer_original?: string;
}

export function pairId(docId: string, p: { persona: string; question: string; answer: string }): string {
  return shortHash(docId, p.persona.toLowerCase(), normalizeText(p.question), normalizeText(p.answer));
}

export function rejectPair(doc: Doc, stage: string, code: string, pair: PairDraft | undefined, detail?: string, raw?: string): Rejection {
  return {
    kind: "pair",
    stage,
    reason: `${stage}.${code}`,
    detail,
    doc_id: doc.id,
    source: doc.source,
    pair: pair && {
      id: pairId(doc.id, pair),
      question: pair.question,
      answer: pair.answer,
      answer_type: pair.answer_type,
      persona: pair.persona,
      domain: pair.domain,
    },
    raw,
  };
}

/** The first failed criterion names the rejection; a pair passes only if all five hold. */
export function verdictFailure(v: CheckVerdict): string | null {
  if (!v.correct) return "incorrect";
  if (!v.grounded) return "not_grounded";
  if (!v.unique) return "not_unique";
  if (!v.self_contained) return "not_self_contained";
  if (v.leakage) return "leakage";
  return null;
}

/** What a rejection says about the verifier's verdict: its own answer and its notes. */
export function verdictDetail(v: CheckVerdict): string {
  return `verifier's answer: ${v.own_answer.trim() || "(none)"}; ${v.notes.trim()}`;
}

/** The generator's aliases that the verifier confirmed; anything it did not confirm never reaches the reward. */
export function confirmedAliases(pair: PairDraft, v: CheckVerdict): string[] {
  const confirmed = new Set(v.confirmed_aliases.map((a) => normalizeText(a)));
  const answer = normalizeText(pair.answer);
  const out: string[] = [];
  for (const a of pair.aliases ?? []) {
    const key = normalizeText(a);
    if (key && key !== answer && confirmed.has(key) && !out.some((o) => normalizeText(o) === key)) out.push(a.trim());
  }
  return out;
}

/** An accepted pair: the verifier passed it and the blind judge found it answerable. */
export function buildQaRecord(doc: Doc, pair: PairDraft, v: CheckVerdict, models: Record<string, string>): QaRecord {
  const aliases = confirmedAliases(pair, v);
  return {
    id: pairId(doc.id, pair),
    question: pair.question.trim(),
    answer: pair.answer.trim(),
    answer_type: pair.answer_type,
    domain: pair.domain,
    persona: pair.persona,
    ...(pair.persona_focus ? { persona_focus: pair.persona_focus } : {}),
    doc_id: doc.id,
    source: doc.source,
    checks: { correct: v.correct, grounded: v.grounded, self_contained: v.self_contained, leakage: v.leakage, unique: v.unique, answerable: true },
    models,
    prompt_version: PROMPT_VERSION,
    ...(pair.answer_original ? { answer_original: pair.answer_original } : {}),
    ...(aliases.length ? { aliases } : {}),
    ...(pair.answer_type === "list" && pair.ordered !== undefined ? { ordered: pair.ordered } : {}),
  };
}
