/**
 * Pair-level logic shared by both plans: the generated-pair and verdict schemas, the
 * deterministic leakage guard, the verdict → rejection rule and the QaRecord builder.
 */
import { z } from "zod";
import { AnswerType, type Doc, type QaRecord, type Rejection } from "../records.js";
import { containsWords, normalizeText } from "../util/normalize.js";
import { shortHash } from "../util/hash.js";
import { PROMPT_VERSION } from "../version.js";

export const GeneratedPair = z.object({
  question: z.string().min(1),
  answer: z.string().min(1),
  answer_type: AnswerType,
  aliases: z.array(z.string()).optional(),
});
export type GeneratedPair = z.infer<typeof GeneratedPair>;

export const CheckVerdict = z.object({
  correct: z.boolean(),
  grounded: z.boolean(),
  self_contained: z.boolean(),
  leakage: z.boolean(),
  reason: z.string(),
});
export type CheckVerdict = z.infer<typeof CheckVerdict>;

export interface PairDraft extends GeneratedPair {
  persona: string;
  domain: string;
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

/** The guard that needs no model: a pair whose normalised answer stands verbatim in its question leaks it. */
export function leaksVerbatim(pair: { question: string; answer: string }): boolean {
  return containsWords(pair.question, pair.answer);
}

/** The first failed criterion names the rejection; a pair passes only if all four hold. */
export function verdictFailure(v: CheckVerdict): string | null {
  if (!v.correct) return "incorrect";
  if (!v.grounded) return "not_grounded";
  if (!v.self_contained) return "not_self_contained";
  if (v.leakage) return "leakage";
  return null;
}

export function buildQaRecord(doc: Doc, pair: PairDraft, v: CheckVerdict, models: Record<string, string>): QaRecord {
  const aliases = (pair.aliases ?? []).map((a) => a.trim()).filter((a) => a && a !== pair.answer);
  return {
    id: pairId(doc.id, pair),
    question: pair.question.trim(),
    answer: pair.answer.trim(),
    answer_type: pair.answer_type,
    domain: pair.domain,
    persona: pair.persona,
    doc_id: doc.id,
    source: doc.source,
    checks: { correct: v.correct, grounded: v.grounded, self_contained: v.self_contained, leakage: v.leakage },
    models,
    prompt_version: PROMPT_VERSION,
    ...(aliases.length ? { aliases } : {}),
  };
}
