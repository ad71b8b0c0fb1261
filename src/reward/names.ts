/**
 * Written variants of one name that plain normalisation does not fold: the singular and plural
 * of Latin and Greek words ("mitochondria" / "mitochondrion", "nuclei" / "nucleus") and a site
 * named with or without its web-domain suffix ("Workopolis.com" / "Workopolis").
 */

// Plural ending ↔ singular ending, for a stem of at least three letters.
const LATIN_GREEK: Array<[string, string]> = [
  ["a", "um"], ["a", "on"], ["i", "us"], ["ae", "a"], ["ices", "ix"], ["ices", "ex"], ["es", "is"],
  ["era", "us"], ["ora", "us"], ["ata", "a"], ["ina", "en"],
];

/** One word is the Latin or Greek singular or plural of the other. */
export function isNumberVariant(a: string, b: string): boolean {
  // Variants share a stem of three letters or more: most pairs fail here.
  if (a === b || a.length < 4 || b.length < 4 || a.charCodeAt(0) !== b.charCodeAt(0) || a.charCodeAt(1) !== b.charCodeAt(1) || a.charCodeAt(2) !== b.charCodeAt(2)) return false;
  for (const [pl, sg] of LATIN_GREEK) {
    for (const [x, y] of [[a, b], [b, a]]) {
      if (x.endsWith(pl) && y.endsWith(sg)) {
        const stem = x.slice(0, -pl.length);
        if (stem.length >= 3 && stem === y.slice(0, -sg.length)) return true;
      }
    }
  }
  return false;
}

const DOMAIN = /^(?:https?:\/\/)?(?:www\.)?([\p{L}\p{N}][\p{L}\p{N}-]*)((?:\.[a-z]{2,12}){1,2})\/?$/iu;
const TLDS = new Set([
  "com", "org", "net", "edu", "gov", "io", "ai", "co", "info", "biz", "app", "dev", "tv", "me", "us", "uk", "ca", "au",
  "de", "fr", "in", "jp", "cn", "ru", "br", "es", "it", "nl", "se", "no", "ch", "nz", "ie", "za", "mx", "kr", "sg",
]);

/** The site name of an answer written as a web domain ("Workopolis.com" -> "workopolis"), else null. */
export function siteName(raw: string): { name: string; suffix: string } | null {
  const m = DOMAIN.exec(raw.trim());
  if (!m) return null;
  const labels = m[2].slice(1).toLowerCase().split(".");
  if (!labels.every((l) => TLDS.has(l))) return null;
  return { name: m[1].toLowerCase().replace(/-/g, ""), suffix: labels.join(".") };
}
