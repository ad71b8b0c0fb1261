/**
 * The blind answerability check: a judge that sees only the question (no document, no answer)
 * says whether a reader who never saw the document can reach one short answer from it
 * (src/quality/answerable.ts). The paper plan asks once per pair, the efficient plan once per
 * document for all its pairs (keyed Q1, Q2, …).
 */
import type { Doc } from "../records.js";
import { answerabilityPrompt } from "../prompts/answerability.js";
import { pairLabel } from "../prompts/tasks.js";
import { callModel, type Outcome, type StageContext } from "./outcome.js";
import { AnswerabilityVerdict, rejectPair, type PairDraft } from "./pairs.js";
import { keyedSchema, perItem } from "./keyed.js";

export async function answerableStage(doc: Doc, pair: PairDraft, ctx: StageContext): Promise<Outcome<AnswerabilityVerdict>> {
  return callModel(ctx, doc, "answerable", "answerable_verdict", AnswerabilityVerdict, answerabilityPrompt([{ question: pair.question }]), 1, (code, detail, raw) =>
    rejectPair(doc, "answerable", code, pair, detail, raw),
  );
}

export async function answerableAllStage(doc: Doc, pairs: PairDraft[], ctx: StageContext): Promise<Outcome<AnswerabilityVerdict>[]> {
  const schema = keyedSchema(AnswerabilityVerdict, pairs.length, pairLabel);
  const questions = pairs.map((p, i) => ({ label: pairLabel(i), question: p.question }));
  const out = await callModel(ctx, doc, "answerable_all", "answerable_verdicts", schema, answerabilityPrompt(questions), pairs.length);
  return perItem(out, pairs.length, pairLabel, (i, code, r) => rejectPair(doc, "answerable", code, pairs[i], r.detail, r.raw));
}
