/**
 * The number rule: parses a whole answer as a quantity (number, optional scale word, optional
 * unit or currency) and compares two quantities with a relative tolerance. A string that is
 * more than a quantity ("12 in 1990", "10-12") does not parse, so the rule stays out of it.
 */
import { foldText, stem } from "./normalize.js";
import { CURRENCY_PREFIX, lookupUnit, SCALE_WORDS, type UnitDef } from "./units.js";

export interface Quantity {
  value: number;
  /** The unit as written (normalised), or "" when none. */
  unit: string;
  def?: UnitDef;
}

const FILLER = /^(?:about|approximately|approx\.?|around|roughly|circa|ca\.|c\.|nearly|almost|some|~|≈|=)\s*/;
const NUMBER =
  /^([+\-−]?)\s*(\d+\s+\d+\s*\/\s*\d+|\d+\s*\/\s*\d+|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?: \d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:\s*(?:e|×\s*10\s*\^|x\s*10\s*\^|\*\s*10\s*\^|·\s*10\s*\^)\s*([+\-−]?\d+))?(?:st|nd|rd|th)?/;

const SMALL: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18,
  nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
  dozen: 12,
};
const BIG: Record<string, number> = { thousand: 1e3, million: 1e6, billion: 1e9, trillion: 1e12 };

/** "twelve hundred" -> 1200, "forty-two" -> 42; null unless every word is a number word. */
function parseNumberWords(ws: string[]): number | null {
  let total = 0;
  let current = 0;
  let any = false;
  for (const w of ws) {
    if (w === "and" || w === "a") continue;
    if (w in SMALL) current += SMALL[w];
    else if (w === "hundred") current = (current || 1) * 100;
    else if (w in BIG) {
      total += (current || 1) * BIG[w];
      current = 0;
    } else return null;
    any = true;
  }
  return any ? total + current : null;
}

function tidy(s: string): string {
  return foldText(s)
    .replace(/\\frac\{([^{}]+)\}\{([^{}]+)\}/g, "$1/$2")
    .replace(/\\times/g, "×")
    .replace(/\\,|\\ |\\!/g, " ")
    .replace(/\\%/g, "%")
    .replace(/\^\{([^{}]+)\}/g, "^$1")
    .replace(/[{}]/g, "")
    .replace(/[\u00a0\u2009\u202f]/g, " ")
    .trim();
}

function unitOf(rest: string): { unit: string; def?: UnitDef } | null {
  const u = rest.replace(/[.]$/, "").replace(/\s+/g, " ").trim();
  if (u === "") return { unit: "" };
  const def = lookupUnit(u);
  if (def) return { unit: u, def };
  // Unknown words are allowed as a unit ("12 apostles") but not a clause ("12 in the year 1990").
  const ws = u.split(" ");
  if (ws.length > 3 || !/^[\p{L}\s/]+$/u.test(u)) return null;
  return { unit: ws.map(stem).join(" ") };
}

export function parseQuantity(input: string): Quantity | null {
  let s = tidy(input);
  if (s === "" || s.length > 80) return null;
  s = s.replace(FILLER, "");
  let prefixUnit: string | undefined;
  const cur = CURRENCY_PREFIX.exec(s);
  if (cur) {
    prefixUnit = cur[1];
    s = s.slice(cur[0].length);
  }
  const m = NUMBER.exec(s);
  let value: number;
  let rest: string;
  if (m) {
    value = parseCore(m[2]);
    if (m[3] !== undefined) value *= 10 ** Number(m[3].replace("−", "-"));
    if (m[1] === "-" || m[1] === "−") value = -value;
    // "1990s" is a decade, not 1990 seconds.
    if (/^s\b/.test(s.slice(m[0].length))) return null;
    rest = s.slice(m[0].length).trim();
  } else {
    // Number words: the longest leading run of words that parses.
    const ws = s.split(/[\s-]+/);
    let n = ws.length;
    let v: number | null = null;
    for (; n > 0; n--) if ((v = parseNumberWords(ws.slice(0, n))) !== null) break;
    if (v === null) return null;
    value = v;
    rest = ws.slice(n).join(" ");
    // Number words take a known unit only: "one search" is a name, not a quantity.
    if (rest !== "" && !(rest in SCALE_WORDS) && !lookupUnit(rest)) return null;
  }
  if (!Number.isFinite(value)) return null;
  const scale = /^([a-z]+)\b\s*/.exec(rest);
  if (scale && scale[1] in SCALE_WORDS) {
    value *= SCALE_WORDS[scale[1]];
    rest = rest.slice(scale[0].length);
  }
  if (prefixUnit !== undefined) {
    if (rest !== "" && !lookupUnit(rest)) return null;
    return { value, unit: prefixUnit, def: lookupUnit(prefixUnit) };
  }
  const unit = unitOf(rest);
  return unit ? { value, ...unit } : null;
}

function parseCore(core: string): number {
  const mixed = /^(\d+)\s+(\d+)\s*\/\s*(\d+)$/.exec(core);
  if (mixed) return Number(mixed[1]) + Number(mixed[2]) / Number(mixed[3]);
  const frac = /^(\d+)\s*\/\s*(\d+)$/.exec(core);
  if (frac) return Number(frac[1]) / Number(frac[2]);
  return Number(core.replace(/[, ]/g, ""));
}

export function closeEnough(a: number, b: number, relTol: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= relTol * Math.max(Math.abs(a), Math.abs(b));
}

export type Decision = "match" | "mismatch" | "undecided";

/** Compares two parsed quantities; units are converted when both are known in one dimension. */
export function compareQuantities(a: Quantity, b: Quantity, relTol: number): Decision {
  if (a.def && b.def) {
    if (a.def.dim !== b.def.dim) return "mismatch";
    const base = (q: Quantity) => q.value * q.def!.factor + (q.def!.offset ?? 0);
    return closeEnough(base(a), base(b), relTol) ? "match" : "mismatch";
  }
  const same = closeEnough(a.value, b.value, relTol);
  // A percentage against a bare number: "50%" equals "50" and "0.5".
  const pa = a.def?.dim === "percent" && b.unit === "";
  const pb = b.def?.dim === "percent" && a.unit === "";
  if (!same && (pa || pb)) {
    const [p, x] = pa ? [a, b] : [b, a];
    return closeEnough(p.value / 100, x.value, relTol) ? "match" : "mismatch";
  }
  if (!same) return "mismatch";
  // Same number: a unit on one side only is fine; two different unknown unit words need a judge.
  if (a.unit === "" || b.unit === "" || a.unit === b.unit) return "match";
  return "undecided";
}
