/**
 * Hedged answers: a response that names several candidates ("Paris or London", "1846 or 1848",
 * "either X or Y") does not commit to one answer. It is a mismatch unless the truth itself is a
 * list or an alternative, or every candidate is an accepted form of the truth.
 */

// "or" inside these is not a choice between candidates.
const IDIOMS = /\b(?:more or less|or so|or not|whether or not|or thereabouts|one or more|or other|or else|sooner or later)\b/gi;
const OR = /\s*(?:,\s*)?\bor\b\s*/i;

// Titles carry alternatives of their own: "Moby-Dick; or, The Whale", "The Mikado, Or The Town of Titipu".
const SUBTITLE = /[;:]\s*or\b|\bor\s*[,:;]|,\s*Or\b|\bOr\b/;
const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

/**
 * The candidates of a hedged answer, or [] when it names one answer. Only parallel candidates
 * count (the same number of words, at most five each): "Horatio or Horace Walpole" and "People's
 * Republic or China" are one name written two ways, not a choice.
 */
export function hedgeCandidates(raw: string): string[] {
  if (!/\bor\b/i.test(raw) || raw.length > 200) return [];
  // "Myanmar (or Burma)": a parenthesised other name is not a hedge.
  if (/\(\s*(?:or|also|aka|a\.k\.a\.)\b/i.test(raw) || SUBTITLE.test(raw)) return [];
  const s = raw.replace(IDIOMS, " ").replace(/^\s*either\s+/i, "").trim();
  const parts = s.split(OR).map((p) => p.replace(/^(?:maybe|perhaps|possibly|probably|else)\s+/i, "").trim()).filter((p) => p !== "");
  if (parts.length < 2) return [];
  const n = words(parts[0]);
  // Two multi-word names in title case ("The Grand Duke or The Statutory Duel") may be one title.
  if (n >= 2 && parts.every((p) => /^(?:\p{Lu}[\p{L}'’.-]*\s*)+$/u.test(p.replace(/\b(?:of|the|and|a|an|de|la)\b/g, "").trim()))) return [];
  return n <= 5 && parts.every((p) => words(p) === n) ? parts : [];
}
