/**
 * Text normalisation shared by every rule: the same string always normalises the same way,
 * so the judge cache key and the exact-match rule agree on what "the same answer" is.
 */

const ARTICLES = new Set(["a", "an", "the"]);
// Zero-width characters, soft hyphens and byte-order marks carry no meaning in an answer.
const INVISIBLE = /[\u200b-\u200d\u2060\u00ad\ufeff]/g;
const COMBINING_MARKS = /[\u0300-\u036f]/g;
// Periods and apostrophes vanish ("D.C." -> "dc", "O'Brien" -> "obrien"); other punctuation splits words.
const DROPPED = /[.'’‘`´]/g;
const SEPARATORS = /[^\p{L}\p{N}]+/gu;

/** NFKC (folds "ſ", full-width forms, ligatures), lowercase, accents off, "&" -> "and". */
const NON_ASCII = /[^\x00-\x7f]/;

export function foldText(s: string): string {
  // Fast path: plain ASCII needs no unicode normalisation (most answers; the rule path is hot).
  if (!NON_ASCII.test(s)) return s.includes("&") ? s.toLowerCase().replace(/&/g, " and ") : s.toLowerCase();
  return s.replace(INVISIBLE, "").normalize("NFKC").toLowerCase().normalize("NFD").replace(COMBINING_MARKS, "").replace(/&/g, " and ");
}

/** Words of the folded text without punctuation; articles kept (see `contentTokens`). */
export function words(s: string): string[] {
  let f = foldText(s);
  // Signs are words here, so "-5" never normalises to "5", nor "±4" to "4".
  if (SIGNS.test(f)) f = f.replace(/(^|[\s(=])[-−](?=\d)/g, "$1minus ").replace(/±/g, " plusminus ");
  // ASCII answers (most) split without the Unicode-property regex.
  const folded = (NON_ASCII.test(f) ? f.replace(DROPPED, "").replace(SEPARATORS, " ") : f.replace(ASCII_DROPPED, "").replace(ASCII_SEPARATORS, " ")).trim();
  return folded === "" ? [] : folded.split(" ");
}
const ASCII_DROPPED = /[.'`]/g;
const SIGNS = /[-−±]/;
const ASCII_SEPARATORS = /[^a-z0-9]+/g;

/** Words without the articles a / an / the. */
export function contentTokens(s: string): string[] {
  return words(s).filter((w) => !ARTICLES.has(w));
}

/** The normalised form used by the exact rule and cache keys. */
export function normalizeAnswer(s: string): string {
  return contentTokens(s).join(" ");
}

/** A light plural fold for token comparison: "onions" -> "onion", "boxes" -> "box"; not "glass". */
export function stem(token: string): string {
  // "13th" is 13: ordinal suffixes fold like plurals ("Friday the 13th" / "Friday 13").
  if (/\d/.test(token)) return /^\d+(?:st|nd|rd|th)$/.test(token) ? token.replace(/\D+$/, "") : token;
  if (token.length <= 3) return token;
  if (token.endsWith("ies") && token.length > 4) return token.slice(0, -3) + "y";
  if (/(?:ches|shes|xes|sses|zes)$/.test(token)) return token.slice(0, -2);
  if (token.endsWith("s") && !token.endsWith("ss") && !token.endsWith("us") && !token.endsWith("is")) return token.slice(0, -1);
  return token;
}
