/**
 * The word-level comparison of two texts and the near-miss guard. `tokenDiff` pairs equal words
 * (and Latin/Greek singular-plural variants), and tells what is left on each side and whether the
 * shared words keep their order. `nearMiss` names the reason a close text must not count as a
 * match: a negation, an opposite, a polarity word, a number or numeral, a substituted word, an
 * added name, or the
 * same words in another order ("from east to west" / "from west to east"). Those go to the judge.
 */
import { areOpposites, isOrdinalOrNumberWord, NEGATIONS, POLARITY_WORDS } from "./lexicon.js";
import { isNumberVariant } from "./names.js";
import type { Prepared } from "./prepared.js";

export interface TokenDiff {
  /** Indices of truth tokens without a partner. */
  tOnly: number[];
  /** Indices of response tokens without a partner. */
  rOnly: number[];
  /** Paired tokens (equal, or a singular/plural variant). */
  common: number;
  /** Pairs that are variants rather than equal words. */
  variants: number;
  /** The paired words appear in the same order on both sides. */
  sameOrder: boolean;
}

export function tokenDiff(t: Prepared, r: Prepared): TokenDiff {
  const tt = t.tokens;
  const rt = r.tokens;
  // Each truth word takes the first free equal response word (answers are short: a scan beats a map).
  const partner = new Array<number>(tt.length).fill(-1);
  const taken = new Uint8Array(rt.length);
  let common = 0;
  const tOnly: number[] = [];
  for (let i = 0; i < tt.length; i++) {
    let j = 0;
    while (j < rt.length && (taken[j] === 1 || rt[j] !== tt[i])) j++;
    if (j === rt.length) tOnly.push(i);
    else {
      taken[j] = 1;
      partner[i] = j;
      common++;
    }
  }
  let rOnly: number[] = [];
  for (let j = 0; j < rt.length; j++) if (taken[j] === 0) rOnly.push(j);
  let variants = 0;
  if (tOnly.length && rOnly.length) {
    const tc = t.contentWords;
    const rc = r.contentWords;
    for (let k = tOnly.length - 1; k >= 0; k--) {
      const i = tOnly[k];
      const at = rOnly.findIndex((j) => isNumberVariant(tc[i], rc[j]));
      if (at < 0) continue;
      partner[i] = rOnly[at];
      rOnly = rOnly.filter((_, x) => x !== at);
      tOnly.splice(k, 1);
      variants++;
    }
  }
  let sameOrder = true;
  let last = -1;
  for (let i = 0; i < tt.length; i++) {
    if (partner[i] < 0) continue;
    if (partner[i] < last) {
      sameOrder = false;
      break;
    }
    last = partner[i];
  }
  return { tOnly, rOnly, common: common + variants, variants, sameOrder };
}

export function diffF1(t: Prepared, r: Prepared, d: TokenDiff): number {
  const n = t.tokens.length + r.tokens.length;
  return n === 0 ? 0 : (2 * d.common) / n;
}

export type NearMiss = "negation" | "antonym" | "polarity" | "number" | "numeral" | "substitution" | "name" | "word_order";

/** Why two close texts may still say different things; null when only neutral words differ. */
export function nearMiss(t: Prepared, r: Prepared, d: TokenDiff): NearMiss | null {
  const tw = d.tOnly.map((i) => t.tokens[i]);
  const rw = d.rOnly.map((j) => r.tokens[j]);
  const diff = [...tw, ...rw];
  if (diff.some((w) => NEGATIONS.has(w))) return "negation";
  if (tw.some((a) => rw.some((b) => areOpposites(a, b)))) return "antonym";
  if (diff.some((w) => /\d/.test(w))) return "number";
  if (diff.some((w) => isOrdinalOrNumberWord(w) || t.romanNumerals.has(w) || r.romanNumerals.has(w))) return "numeral";
  if (diff.some((w) => POLARITY_WORDS.has(w))) return "polarity";
  if (tw.length > 0 && rw.length > 0) return "substitution";
  // An added name says more than the other side ("signed by Britain, France and Spain").
  if (rw.some((w) => r.names.has(w)) || tw.some((w) => t.names.has(w))) return "name";
  if (!d.sameOrder) return "word_order";
  return null;
}
