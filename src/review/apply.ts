/**
 * Human decisions applied to a directory's pairs, for curate and export: a rejected pair
 * leaves with reason `review.rejected`, an edited one carries the edit and
 * `reviewed: {by, at, edited: true}`, an accepted one `reviewed: {…, edited: false}`, and a
 * pair the pipeline rejected but a human accepted (or fixed) comes back.
 */
import { listParts, readRecords, runPaths, type RecordParseError } from "../io/run-dir.js";
import { ANSWER_TYPES, QaRecord, Rejection, type AnswerType } from "../records.js";
import { inferAnswerType } from "../quality/answer-types.js";
import { effective, readDecisions, type DecisionLog, type ReviewDecision } from "./decisions.js";
import { rejectedPairId } from "./items.js";

export interface ReviewCounts {
  accepted: number;
  edited: number;
  rejected: number;
  /** Pairs from rejected/ that a human accepted or fixed, brought back. */
  rescued: number;
}

export const emptyReviewCounts = (): ReviewCounts => ({ accepted: 0, edited: 0, rejected: 0, rescued: 0 });

function reviewRejection(rec: QaRecord, d: ReviewDecision): Rejection {
  return {
    kind: "pair",
    stage: "review",
    reason: "review.rejected",
    detail: `${d.reason ?? "rejected"} (by ${d.reviewer} at ${d.at})`,
    doc_id: rec.doc_id,
    source: rec.source,
    pair: { id: rec.id, question: rec.question, answer: rec.answer, answer_type: rec.answer_type, persona: rec.persona, domain: rec.domain },
    data: { reviewer: d.reviewer, at: d.at, reason: d.reason },
  };
}

/** One pair under its decision: the pair as it leaves, or its rejection. */
export function applyDecision(rec: QaRecord, d: ReviewDecision | undefined, counts?: ReviewCounts): { rec: QaRecord } | { rejection: Rejection } {
  if (!d) return { rec };
  if (d.decision === "reject") {
    if (counts) counts.rejected++;
    return { rejection: reviewRejection(rec, d) };
  }
  if (d.decision === "edit") {
    if (counts) counts.edited++;
    const out: QaRecord = { ...rec, question: d.question ?? rec.question, reviewed: { by: d.reviewer, at: d.at, edited: true } };
    if (d.answer !== undefined && d.answer !== rec.answer) {
      // The aliases were confirmed for the old answer: a reward must never accept a form of
      // a wrong answer, so they go, and the verifier's reduction no longer applies.
      out.answer = d.answer;
      delete out.aliases;
      delete out.answer_original;
    }
    return { rec: out };
  }
  if (counts) counts.accepted++;
  return { rec: { ...rec, reviewed: { by: d.reviewer, at: d.at, edited: false } } };
}

/** A rejected pair a human accepted, as a QA record. */
function rescue(r: Rejection, id: string, d: ReviewDecision): QaRecord {
  const pair = r.pair!;
  const type = pair.answer_type;
  const answerType: AnswerType = type && (ANSWER_TYPES as readonly string[]).includes(type) ? (type as AnswerType) : inferAnswerType(pair.answer);
  const base: QaRecord = {
    id,
    question: pair.question,
    answer: pair.answer,
    answer_type: answerType,
    domain: pair.domain ?? "Other",
    persona: pair.persona ?? "",
    doc_id: r.doc_id ?? id,
    source: r.source,
    // A person vouched for the pair against the pipeline's verdict; `reviewed` says so.
    checks: { correct: true, grounded: true, self_contained: true, leakage: false },
    models: {},
    prompt_version: "review",
  };
  const applied = applyDecision(base, d);
  return "rec" in applied ? applied.rec : base;
}

/**
 * The directory's pairs with its decisions applied: kept pairs in order (rejected ones
 * reported through `onRejected`), then the rescued ones. Without a decisions file this is
 * exactly readQa.
 */
export async function* reviewedQa(
  dir: string,
  opts: { log?: DecisionLog; onBad?: (e: RecordParseError) => void; onRejected?: (r: Rejection) => void; counts?: ReviewCounts } = {},
): AsyncGenerator<QaRecord> {
  const log = opts.log ?? readDecisions(dir);
  const counts = opts.counts ?? emptyReviewCounts();
  const onBad = opts.onBad ?? (() => {});
  for await (const rec of readRecords(listParts(runPaths(dir).qa), QaRecord, onBad)) {
    const out = applyDecision(rec, log.byId.size ? effective(log, rec.id) : undefined, counts);
    if ("rec" in out) yield out.rec;
    else opts.onRejected?.(out.rejection);
  }
  if (log.byId.size === 0) return;
  const rescued = new Set<string>();
  for await (const r of readRecords(listParts(runPaths(dir).rejected), Rejection, () => {})) {
    const id = rejectedPairId(r);
    if (!id || rescued.has(id)) continue;
    const d = effective(log, id);
    if (!d || (d.decision !== "accept" && d.decision !== "edit")) continue;
    rescued.add(id);
    counts.rescued++;
    yield rescue(r, id, d);
  }
}
