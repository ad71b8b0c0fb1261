/**
 * The number rule: parses a whole answer as a quantity (number, optional scale word, optional
 * unit or currency) and compares two quantities. A string that is more than a quantity
 * ("12 in 1990", "10-12") does not parse, so the rule stays out of it.
 *
 * Each quantity keeps the precision it was written with, so a response rounded to the digits it
 * states matches ("0.139" for 5/36) when it states at least MIN_SIGNIFICANT_DIGITS digits, and a
 * unit with two readings ("300 K": kelvin or thousand) is read the way the other side allows.
 */
import { stem } from "./normalize.js";
import { CURRENCY_PREFIX, CURRENCY_SCALES, currencyUnit, lookupUnit, PERCENT, SCALE_WORDS, type UnitDef } from "./units.js";

export type Decision = "match" | "mismatch" | "undecided";

/** A response rounded to its own precision matches only with at least this many significant digits. */
export const MIN_SIGNIFICANT_DIGITS = 3;

/** One way of reading a written quantity. */
export interface Reading {
  value: number;
  /** One unit of the last written digit, in the value's units (0 for exact fractions). */
  step: number;
  /** The unit's id (known units) or its normalised words; "" when none. */
  unit: string;
  def?: UnitDef;
}

export interface Quantity {
  /** Usually one; two or more when the unit has several readings ("K", "degrees", "pounds"). */
  readings: Reading[];
  /** Significant digits as written (Infinity for fractions). */
  sig: number;
  /** Written as a plain whole number ("12", "1,990", "twelve"): a count or a year, never a rounding. */
  whole: boolean;
}

/** A precision the question asks for ("to two decimal places", "to 3 significant figures"). */
export interface RequestedPrecision {
  step?: number;
  sig?: number;
}

const FILLER = /^(?:about|approximately|approx\.?|around|roughly|circa|ca\.|c\.|nearly|almost|some|an estimated|estimated|~|≈|=)\s*/i;
const TRAILING_FILLER = /\s*(?:,?\s*or so|,?\s*or thereabouts|,?\s*more or less|,?\s*approximately|,?\s*roughly)$/i;
const NUMBER =
  /^([+\-−]?)\s*(\d+\s+\d+\s*\/\s*\d+|\d+\s*\/\s*\d+|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?: \d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:\s*(?:e|×\s*10\s*\^|x\s*10\s*\^|\*\s*10\s*\^|·\s*10\s*\^)\s*([+\-−]?\d+))?(?:st|nd|rd|th)?/i;

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

const NON_ASCII = /[^\x00-\x7f]/;
const TIDY_NEEDED = /[^\x00-\x7f]|[\\{]|\s\s/;

/** NFKC and LaTeX number notation undone; the case is kept, because unit symbols need it ("mW", "MW"). */
function tidy(s: string): string {
  if (!TIDY_NEEDED.test(s)) return s.trim();
  let t = NON_ASCII.test(s) ? s.replace(/[\u200b-\u200d\u2060\u00ad\ufeff]/g, "").normalize("NFKC") : s;
  if (t.includes("\\") || t.includes("{")) {
    t = t
      .replace(/\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}/g, "$1/$2")
      .replace(/\\times/g, "×")
      .replace(/\\,|\\ |\\!|\\;/g, " ")
      .replace(/\\%/g, "%")
      .replace(/\\\$/g, "$")
      .replace(/\\(?:text|mathrm|mbox)\{([^{}]*)\}/g, " $1")
      .replace(/\^\{([^{}]+)\}/g, "^$1")
      .replace(/\\circ/g, "°")
      .replace(/[{}]/g, "");
  }
  return t.replace(/[\u00a0\u2009\u202f]/g, " ").replace(/\s+/g, " ").trim();
}

/** Significant digits, last-digit step and wholeness of a decimal literal (separators allowed). */
function literalPrecision(core: string, exponent: number | undefined): { step: number; sig: number; whole: boolean } {
  if (core.includes("/")) return { step: 0, sig: Infinity, whole: false };
  // One pass: digits after the first non-zero one, and digits after the decimal point.
  let sig = 0;
  let decimals = -1;
  for (let i = 0; i < core.length; i++) {
    const c = core.charCodeAt(i);
    if (c === 46) decimals = 0;
    else if (c >= 48 && c <= 57) {
      if (sig > 0 || c !== 48) sig++;
      if (decimals >= 0) decimals++;
    }
  }
  const step = (decimals <= 0 ? 1 : 10 ** -decimals) * 10 ** (exponent ?? 0);
  return { step, sig: sig || 1, whole: decimals <= 0 && exponent === undefined };
}

function parseCore(core: string): number {
  const mixed = /^(\d+)\s+(\d+)\s*\/\s*(\d+)$/.exec(core);
  if (mixed) return Number(mixed[1]) + Number(mixed[2]) / Number(mixed[3]);
  const frac = /^(\d+)\s*\/\s*(\d+)$/.exec(core);
  if (frac) return Number(frac[1]) / Number(frac[2]);
  return Number(core.replace(/[, ]/g, ""));
}

/** Readings of what follows the number ("km", "K", "apostles"); null when it is more than a unit. */
function unitReadings(rest: string, value: number, step: number): Reading[] | null {
  const u = rest.replace(/[.]$/, "").trim();
  if (u === "") return [{ value, step, unit: "" }];
  const defs = lookupUnit(u);
  if (defs) return defs.map((d) => (d.dim === "" ? { value: value * d.factor, step: step * d.factor, unit: "" } : { value, step, unit: d.id, def: d }));
  // Unknown words are allowed as a unit ("12 apostles") but not a clause ("12 in the year 1990"),
  // nor a lone letter, which is a variable or a constant ("2π", "3i", "2x").
  const ws = u.toLowerCase().split(" ");
  if (ws.length > 3 || !/^[\p{L}\s/]+$/u.test(u) || /^\p{L}$/u.test(u)) return null;
  return [{ value, step, unit: ws.map(stem).join(" ") }];
}

export function parseQuantity(input: string): Quantity | null {
  let s = tidy(input);
  if (s === "" || s.length > 80) return null;
  s = s.replace(FILLER, "");
  // The trailing-filler regex is anchored at the end but still scans: test the last letters first.
  if (/(?:so|abouts|ately|ghly|less)$/i.test(s.slice(-6))) s = s.replace(TRAILING_FILLER, "");
  let currency: UnitDef[] | undefined;
  const cur = CURRENCY_PREFIX.exec(s);
  if (cur) {
    currency = currencyUnit(cur[1]);
    s = s.slice(cur[0].length);
  }
  const m = NUMBER.exec(s);
  let value: number;
  let rest: string;
  let prec: { step: number; sig: number; whole: boolean };
  if (m) {
    const exponent = m[3] === undefined ? undefined : Number(m[3].replace("−", "-"));
    value = parseCore(m[2]);
    if (exponent !== undefined) value *= 10 ** exponent;
    if (m[1] === "-" || m[1] === "−") value = -value;
    // "1990s" is a decade, not 1990 seconds.
    if (/^s\b/.test(s.slice(m[0].length))) return null;
    rest = s.slice(m[0].length).trim();
    prec = literalPrecision(m[2], exponent);
  } else {
    // Number words: the longest leading run of words that parses (most words are not one: check the first).
    const ws = s.toLowerCase().replace(/,/g, " ").split(/[\s-]+/);
    if (!(ws[0] in SMALL || ws[0] in BIG || ws[0] === "hundred" || ws[0] === "a")) return null;
    let n = ws.length;
    let v: number | null = null;
    for (; n > 0; n--) if ((v = parseNumberWords(ws.slice(0, n))) !== null) break;
    if (v === null) return null;
    value = v;
    rest = s.replace(/,/g, " ").split(/[\s-]+/).slice(n).join(" ");
    // Number words take a known unit only: "one search" is a name, not a quantity.
    if (rest !== "" && !SCALE_WORDS.has(rest.toLowerCase()) && !lookupUnit(rest)) return null;
    prec = { step: 1, sig: String(v).length, whole: true };
  }
  if (!Number.isFinite(value)) return null;
  let step = prec.step;
  let whole = prec.whole;
  // A scale ("thousand", "K" in "5K runners", "M" after "$") multiplies the number and its step.
  let scale: UnitDef | undefined;
  if (currency) {
    // "$5K", "£3m", "$1.2 billion": after a currency a letter is a scale, never a unit.
    const first = rest === "" ? null : /^(\S+)\s*/.exec(rest);
    scale = first ? (CURRENCY_SCALES.get(first[1]) ?? SCALE_WORDS.get(first[1].toLowerCase())) : undefined;
    if (first && scale) rest = rest.slice(first[0].length);
    // A repeated currency word ("$5 USD") is fine; anything else is more than a quantity.
    if (rest !== "" && !(lookupUnit(rest) ?? []).some((d) => currency!.some((c) => c.dim === d.dim))) return null;
    if (scale) {
      value *= scale.factor;
      step *= scale.factor;
      whole = false;
    }
    return { readings: currency.map((d) => ({ value, step, unit: d.id, def: d })), sig: prec.sig, whole };
  }
  const first = rest === "" ? null : /^(\p{L}+)(?=\s|$)\s*/u.exec(rest);
  if (first) {
    const more = rest.slice(first[0].length);
    scale = SCALE_WORDS.get(first[1].toLowerCase());
    // Lower-case "k" is never kelvin: "5k", "5k runners".
    if (!scale && first[1] === "k" && (more === "" || /^\p{L}/u.test(more))) scale = SCALE_WORDS.get("thousand");
    // A scale letter followed by words ("5M users", "2K runners") is a scale.
    if (!scale && more !== "" && /^\p{L}/u.test(more)) scale = lookupUnit(first[1])?.find((d) => d.dim === "");
    if (scale) rest = more;
  }
  if (scale) {
    value *= scale.factor;
    step *= scale.factor;
    whole = false;
  }
  const readings = unitReadings(rest, value, step);
  if (!readings) return null;
  // A scale reading of an ambiguous letter ("5K" as 5000) is not a whole number as written.
  return { readings, sig: prec.sig, whole: whole && readings.every((r) => r.value === value) };
}

export function closeEnough(a: number, b: number, relTol: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= relTol * Math.max(Math.abs(a), Math.abs(b));
}

export interface NumberOptions {
  relTol: number;
  /** The precision the question asks for (read only when a rounding is in question); null when it names none. */
  precision?(): RequestedPrecision | null;
  /** The question asks for a percentage. */
  percentAsked?(): boolean;
}

/**
 * Two values with their written steps. A response that is the truth rounded to the response's own
 * precision matches when it states enough digits (or the precision the question asks for); one that
 * is near but not a correct rounding, or a truth that is itself the rounded side, is undecided.
 */
function compareValues(tv: number, tstep: number, rv: number, rstep: number, t: Quantity, r: Quantity, rWrittenStep: number, o: NumberOptions): Decision {
  if (closeEnough(tv, rv, o.relTol)) return "match";
  const diff = Math.abs(tv - rv);
  const eps = 1e-9 * Math.max(Math.abs(tv), Math.abs(rv), 1e-300);
  if (rstep > 0 && diff <= rstep / 2 + eps) {
    const asked = o.precision?.() ?? null;
    if (asked) return meets(r, rWrittenStep, asked) ? "match" : "undecided";
    return r.sig >= MIN_SIGNIFICANT_DIGITS && !t.whole ? "match" : "undecided";
  }
  // The truth is the rounded side ("0.14" against "0.1389"), or the response is off in its last
  // digit (a truncation, "0.138" for 0.1389): whether that answers the question is the judge's call.
  if (tstep > 0 && !t.whole && diff <= tstep / 2 + eps) return "undecided";
  // (Two digits at least: "1 billion" is not a near miss of "1 million".)
  if (rstep > 0 && !r.whole && r.sig >= 2 && diff <= rstep + eps) return "undecided";
  // "What percentage…?" answered with the fraction ("0.02" for 2): perhaps meant as such.
  if (o.percentAsked?.() && (closeEnough(tv / 100, rv, 1e-9) || closeEnough(tv, rv / 100, 1e-9))) return "undecided";
  return "mismatch";
}

function meets(r: Quantity, writtenStep: number, p: RequestedPrecision): boolean {
  if (p.step !== undefined && !(writtenStep > 0 && writtenStep <= p.step * (1 + 1e-9))) return false;
  if (p.sig !== undefined && r.sig < p.sig) return false;
  return true;
}

function base(x: Reading): number {
  return x.def ? x.value * x.def.factor + (x.def.offset ?? 0) : x.value;
}

function compareReadings(a: Reading, b: Reading, t: Quantity, r: Quantity, o: NumberOptions): Decision {
  if (a.def && b.def) {
    if (a.def.dim !== b.def.dim) return "mismatch";
    return compareValues(base(a), a.step * a.def.factor, base(b), b.step * b.def.factor, t, r, b.step, o);
  }
  // A percentage against a bare number: "50%" equals "50" and "0.5".
  const pa = a.def?.id === PERCENT.id && b.unit === "";
  const pb = b.def?.id === PERCENT.id && a.unit === "";
  if (pa || pb) {
    const raw = compareValues(a.value, a.step, b.value, b.step, t, r, b.step, o);
    const frac = pa ? compareValues(a.value / 100, a.step / 100, b.value, b.step, t, r, b.step, o) : compareValues(a.value, a.step, b.value / 100, b.step / 100, t, r, b.step / 100, o);
    return raw === "match" || frac === "match" ? "match" : raw === "mismatch" && frac === "mismatch" ? "mismatch" : "undecided";
  }
  const v = compareValues(a.value, a.step, b.value, b.step, t, r, b.step, o);
  // A unit on one side only: the same number is fine ("12" / "12 apostles"); a bare number that
  // equals the other side in its base unit ("0.42" for "42 cents") may be in that unit: undecided.
  const known = a.def ?? b.def;
  if (v === "mismatch" && known && (a.def === undefined) !== (b.def === undefined) && (a.unit === "" || b.unit === "")) {
    const [withUnit, bare] = a.def ? [a, b] : [b, a];
    if (closeEnough(base(withUnit), bare.value, 1e-9) || closeEnough(withUnit.value * known.factor, bare.value, 1e-9)) return "undecided";
  }
  if (v !== "match" || a.unit === "" || b.unit === "" || a.unit === b.unit) return v;
  return "undecided";
}

/** All verdicts agree, or undecided. */
function agreed(vs: Decision[]): Decision {
  return vs.every((v) => v === vs[0]) ? vs[0] : "undecided";
}

/**
 * Compares two quantities. When a side has several readings, the readings that the other side
 * makes sense of decide: the same unit, else the same dimension, else all pairs; they must agree.
 */
export function compareQuantities(t: Quantity, r: Quantity, o: NumberOptions): Decision {
  if (t.readings.length === 1 && r.readings.length === 1) return compareReadings(t.readings[0], r.readings[0], t, r, o);
  const same: Decision[] = [];
  const dim: Decision[] = [];
  const all: Decision[] = [];
  for (const a of t.readings)
    for (const b of r.readings) {
      const v = compareReadings(a, b, t, r, o);
      all.push(v);
      if (a.def && b.def && a.def.id === b.def.id) same.push(v);
      else if (a.def && b.def && a.def.dim === b.def.dim) dim.push(v);
    }
  return agreed(same.length ? same : dim.length ? dim : all);
}
