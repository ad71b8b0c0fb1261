/**
 * Words as the guards see them. A reader counts "state-of-the-art", "O'Brien's" and "1,200"
 * as one word each, so apostrophes, hyphens, and the dots and commas inside numbers join
 * rather than split (the old count split them and over-counted answers).
 */

/** A word: letters/digits joined by ' ’ - – . , / inside it, with a trailing % kept. */
const WORD = /[\p{L}\p{N}]+(?:['’\-–.,/][\p{L}\p{N}]+)*%?/gu;

export interface Span {
  /** Lowercased (NFKC) word with internal apostrophes removed: "don't" -> "dont". */
  word: string;
  start: number;
  end: number;
}

/** Words whose 's is "is" or "has", not a possessive. */
const CONTRACTS = new Set(["it", "that", "there", "what", "here", "he", "she", "who", "where", "how", "let"]);

/** Lower-case form of one word: a possessive 's goes ("Python's" → "python"), other apostrophes join ("don't" → "dont"). */
function fold(raw: string): string {
  const w = raw.normalize("NFKC").toLowerCase();
  const possessive = /^(.+)['’]s$/u.exec(w);
  if (possessive && !CONTRACTS.has(possessive[1])) return possessive[1].replace(/['’]/g, "");
  return w.replace(/['’]/g, "");
}

/** The words of `text` with their places in it (offsets into `text` itself). */
export function wordSpans(text: string): Span[] {
  const out: Span[] = [];
  for (const m of text.matchAll(WORD)) out.push({ word: fold(m[0]), start: m.index!, end: m.index! + m[0].length });
  return out;
}

export function countWords(text: string): number {
  return text.match(WORD)?.length ?? 0;
}

/**
 * A crude root so that "designed"/"design", "flows"/"flow", "counting"/"counted" meet: strip
 * one inflection, keep at most six letters. Only used to ask "does the question say this?".
 */
export function root(word: string): string {
  let w = word;
  if (w.length > 4) w = w.replace(/(?:ing|ied|ies|ed|es|s)$/u, "");
  return w.slice(0, 6);
}

/** The roots of every word of a text (a set, for "is this word in the question?"). */
export function rootSet(text: string): Set<string> {
  return new Set(wordSpans(text).map((s) => root(s.word)));
}
