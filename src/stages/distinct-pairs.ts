/**
 * Near-identical pairs of one document, caught before the check call pays for them: two
 * personas that arrived at the same point (the same answer to nearly the same question).
 * The first pair is kept; a later one is rejected as `check.duplicate_pair`.
 */
import { normalizeText } from "../util/normalize.js";
import type { PairDraft } from "./pairs.js";

/** Share of the smaller question's words that the other question also has. */
function overlap(a: string, b: string): number {
  const wa = new Set(normalizeText(a).split(" "));
  const wb = new Set(normalizeText(b).split(" "));
  let shared = 0;
  for (const w of wa) if (wb.has(w)) shared++;
  return shared / Math.max(1, Math.min(wa.size, wb.size));
}

export const SAME_POINT_OVERLAP = 0.7;

export function samePoint(a: PairDraft, b: PairDraft): boolean {
  return normalizeText(a.answer) === normalizeText(b.answer) && overlap(a.question, b.question) >= SAME_POINT_OVERLAP;
}

/** Splits drafts into the distinct ones and, for each duplicate, the earlier pair it repeats. */
export function distinctPairs(drafts: PairDraft[]): { kept: PairDraft[]; duplicates: { pair: PairDraft; of: PairDraft }[] } {
  const kept: PairDraft[] = [];
  const duplicates: { pair: PairDraft; of: PairDraft }[] = [];
  for (const d of drafts) {
    const of = kept.find((k) => samePoint(k, d));
    if (of) duplicates.push({ pair: d, of });
    else kept.push(d);
  }
  return { kept, duplicates };
}
