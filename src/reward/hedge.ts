/**
 * Hedged answers: a response that names several candidates ("Paris or London", "1846 or 1848",
 * "either X or Y") does not commit to one answer. It is a mismatch unless the truth itself is a
 * list or an alternative, or every candidate is an accepted form of the truth.
 */

// "or" inside these is not a choice between candidates.
const IDIOMS = /\b(?:more or less|or so|or not|whether or not|or thereabouts|one or more|or other|or else|sooner or later)\b/gi;
const OR = /\s*(?:,\s*)?\bor\b\s*/i;

/** The candidates of a hedged answer (two or more), or [] when it names one answer. */
export function hedgeCandidates(raw: string): string[] {
  if (!/\bor\b/i.test(raw) || raw.length > 200) return [];
  // "Myanmar (or Burma)": a parenthesised other name is not a hedge.
  if (/\(\s*(?:or|also|aka|a\.k\.a\.)\b/i.test(raw)) return [];
  const s = raw.replace(IDIOMS, " ").replace(/^\s*either\s+/i, "").trim();
  const parts = s.split(OR).map((p) => p.replace(/^(?:maybe|perhaps|possibly|probably|else)\s+/i, "").trim()).filter((p) => p !== "");
  return parts.length >= 2 ? parts : [];
}
