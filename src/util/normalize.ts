/** Text normalisation shared by the leakage guard, ids and curation: NFKC, lowercase, punctuation to spaces, single spaces. */
export function normalizeText(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** True when the normalised `needle` stands as whole words inside the normalised `haystack`. */
export function containsWords(haystack: string, needle: string): boolean {
  const n = normalizeText(needle);
  if (!n) return false;
  return ` ${normalizeText(haystack)} `.includes(` ${n} `);
}
