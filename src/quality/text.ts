/**
 * Words as the guards see them. A reader counts "state-of-the-art", "O'Brien's" and "1,200"
 * as one word each, so apostrophes, hyphens, and the dots and commas inside numbers join
 * rather than split (the old count split them and over-counted answers).
 */

/** Lower-case words of a text as a set, split on anything but ASCII letters (a cheap gate for the pattern rules). */
export function plainWordSet(text: string): Set<string> {
  return new Set(text.toLowerCase().split(/[^a-z]+/u));
}

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
const NON_ASCII = /[^\x00-\x7f]/u;

export function foldWord(raw: string): string {
  // Plain ASCII needs no Unicode normalisation (most words; this runs per word of every pair).
  const w = (NON_ASCII.test(raw) ? raw.normalize("NFKC") : raw).toLowerCase();
  const possessive = /^(.+)['’]s$/u.exec(w);
  if (possessive && !CONTRACTS.has(possessive[1])) return possessive[1].replace(/['’]/g, "");
  return w.replace(/['’]/g, "");
}

/** The words of `text` with their places in it (offsets into `text` itself). */
export function wordSpans(text: string): Span[] {
  const out: Span[] = [];
  for (const m of text.matchAll(WORD)) out.push({ word: foldWord(m[0]), start: m.index!, end: m.index! + m[0].length });
  return out;
}

/**
 * The folded words of a text, without their places: the same words as `wordSpans`, faster
 * (one lower-casing of the whole text), for curation's hot path.
 */
export function foldedWords(text: string): string[] {
  const lower = (NON_ASCII.test(text) ? text.normalize("NFKC") : text).toLowerCase();
  const raw = lower.match(WORD);
  if (!raw) return [];
  for (let i = 0; i < raw.length; i++) {
    const w = raw[i];
    if (w.includes("'") || w.includes("’")) raw[i] = foldWord(w);
  }
  return raw;
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
  if (w.length > 4) {
    if (w.endsWith("ing") || w.endsWith("ied") || w.endsWith("ies")) w = w.slice(0, -3);
    else if (w.endsWith("ed") || w.endsWith("es")) w = w.slice(0, -2);
    else if (w.endsWith("s")) w = w.slice(0, -1);
  }
  return w.length > 6 ? w.slice(0, 6) : w;
}

/** The roots of every word of a text (a set, for "is this word in the question?"). */
export function rootSet(text: string): Set<string> {
  return new Set(wordSpans(text).map((s) => root(s.word)));
}
