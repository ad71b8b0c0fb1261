/**
 * Near-identical pairs of one document, caught before the check call pays for them: two
 * personas that arrived at the same point. "The same point" is curation's near-duplicate
 * measure (`nearDuplicate`, src/quality/similarity.ts: nearly the same question, or a similar
 * question with the same answer), so a pair kept here is never dropped by curation later for
 * repeating its sibling. The first pair is kept; a later one is rejected as `check.duplicate_pair`.
 */
import { nearDuplicate } from "../quality/similarity.js";
import type { PairDraft } from "./pairs.js";

/** Splits drafts into the distinct ones and, for each duplicate, the earlier pair it repeats. */
export function distinctPairs(drafts: PairDraft[]): { kept: PairDraft[]; duplicates: { pair: PairDraft; of: PairDraft }[] } {
  const kept: PairDraft[] = [];
  const duplicates: { pair: PairDraft; of: PairDraft }[] = [];
  for (const d of drafts) {
    const of = kept.find((k) => nearDuplicate(k, d).duplicate);
    if (of) duplicates.push({ pair: d, of });
    else kept.push(d);
  }
  return { kept, duplicates };
}
