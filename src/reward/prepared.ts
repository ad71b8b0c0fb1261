/**
 * An answer string with its normalised views computed once and on demand, so comparing one
 * response with many accepted forms (TriviaQA items carry up to ~100 aliases) parses it once,
 * and a view the cascade never reaches (a formula, a date) is never computed.
 */
import { mayBeBoolean, parseBoolean } from "./booleans.js";
import { compileFormula, type Compiled } from "./cas.js";
import { parseDate, type DateParts } from "./dates.js";
import { looksLikeFormula, parseFormula } from "./formula.js";
import { hedgeCandidates } from "./hedge.js";
import { NEGATIONS, romanNumerals } from "./lexicon.js";
import { siteName } from "./names.js";
import { contentTokens, foldText, stem, words } from "./normalize.js";
import { parseQuantity, type Quantity } from "./numbers.js";

const ACRONYM_STOP = new Set(["of", "and", "the", "for", "de", "la", "du", "a", "an", "in", "on"]);
// List separators: commas (not a thousands separator), semicolons, slashes, newlines and "and" / "&"; sequence markers
// ("then", "followed by", arrows) also separate, and make the list a sequence.
const LIST_SPLIT = /\s*(?:(?<!\d),|,(?!\d{3}\b)|[;\n/]|\band then\b|\bthen\b|\bfollowed by\b|->|→|=>|\band\b|\s&\s)\s*/i;
const MAYBE_LIST = /[,;\n/&>→]|and|then|followed/i;
const SEQUENCE = /\bthen\b|\bfollowed by\b|->|→|=>/i;
const NO_HEDGE: string[] = [];
const ROMAN_VALUE: Record<string, number> = { i: 1, v: 5, x: 10, l: 50, c: 100 };

function romanToNumber(r: string): number {
  let n = 0;
  for (let i = 0; i < r.length; i++) {
    const v = ROMAN_VALUE[r[i]];
    n += i + 1 < r.length && ROMAN_VALUE[r[i + 1]] > v ? -v : v;
  }
  return n;
}

/** Views most comparisons never reach: one object, made only when one of them is needed. */
class Rare {
  initials?: string[];
  roman?: Set<string>;
  bool?: boolean | null;
  site?: { name: string; suffix: string } | null;
  formula?: Compiled | null;
  variable?: Compiled | null;
  assignment?: { variable: string; value: Prepared } | null;
  hedge?: string[];
  otherName?: boolean;
  names?: Set<string>;
}

export class Prepared {
  readonly raw: string;
  private _folded?: string;
  private _content?: string[];
  private _norm?: string;
  private _tokens?: string[];
  private _qty?: Quantity | null;
  private _dates?: DateParts[];
  private _items?: Prepared[];
  private _negated?: boolean;
  // Views most comparisons never reach live in one object, so a Prepared stays small (the cold path allocates many).
  private _rare?: Rare;

  constructor(raw: string) {
    this.raw = raw.trim();
  }
  private get rare(): Rare {
    return (this._rare ??= new Rare());
  }
  /** Folded and whitespace-collapsed, punctuation kept: equality here is a safe match unless letter case carries meaning (rules.ts). */
  get folded(): string {
    return (this._folded ??= foldText(this.raw).replace(/\s+/g, " ").trim());
  }
  /** Words without articles, as written (folded); `tokens` are the same words with plurals folded. */
  get contentWords(): string[] {
    return (this._content ??= contentTokens(this.raw));
  }
  get norm(): string {
    return (this._norm ??= this.contentWords.join(" "));
  }
  /** Content tokens with plurals folded; the basis of token F1. */
  get tokens(): string[] {
    return (this._tokens ??= this.contentWords.map(stem));
  }
  get quantity(): Quantity | null {
    if (this._qty === undefined) this._qty = /\d|^\s*[a-z]/i.test(this.raw) ? parseQuantity(this.raw) : null;
    return this._qty;
  }
  get dates(): DateParts[] {
    return (this._dates ??= /\d/.test(this.raw) ? parseDate(this.raw) : []);
  }
  get negated(): boolean {
    return (this._negated ??= this.tokens.some((t) => NEGATIONS.has(t) && t !== "without" && t !== "lack" && t !== "lacking" && t !== "absent"));
  }
  /** List items when the answer reads as a list of two or more, else []. */
  get items(): Prepared[] {
    if (this._items === undefined) {
      const parts = this.raw.length > 400 || !MAYBE_LIST.test(this.raw) ? [] : this.raw.split(LIST_SPLIT).map((p) => p.trim().replace(/^(?:and|or|first|firstly|next|finally|lastly)\s+/i, "")).filter((p) => p !== "");
      this._items = parts.length >= 2 ? parts.map((p) => new Prepared(p)) : [];
    }
    return this._items;
  }
  /** The list is written as a sequence ("boil, then simmer", "A → B → C"). */
  get isSequence(): boolean {
    return SEQUENCE.test(this.raw);
  }
  /**
   * Initials of a capitalised name, with and without little words, and with a trailing numeral
   * kept whole: "United States of America" -> usa, usoa; "World War II" -> wwii, ww2. Lower-case
   * phrases have none: "architect and designer" is no acronym of "AD".
   */
  get initials(): string[] {
    if (this.rare.initials === undefined) {
      const raw = this.raw.normalize("NFKC").split(/[^\p{L}\p{N}]+/u).filter((w) => w !== "");
      const named = raw.length >= 2 && raw.every((w) => ACRONYM_STOP.has(w.toLowerCase()) || /^[\p{Lu}\p{N}]/u.test(w));
      if (!named) this.rare.initials = [];
      else {
        const ws = words(this.raw);
        const last = ws[ws.length - 1];
        const numeral = /^\d+$/.test(last) ? last : this.romanNumerals.has(last) ? last : null;
        const head = numeral ? ws.slice(0, -1) : ws;
        const tails = numeral ? [numeral, /^\d+$/.test(numeral) ? numeral : String(romanToNumber(numeral))] : [""];
        const out = new Set<string>();
        for (const tail of tails) {
          out.add(head.filter((w) => !ACRONYM_STOP.has(w)).map((w) => w[0]).join("") + tail);
          out.add(head.map((w) => w[0]).join("") + tail);
        }
        this.rare.initials = [...out];
      }
    }
    return this.rare.initials;
  }
  /** Written as an acronym: two to six capital letters, dots allowed, a numeral after ("USA", "U.S.A.", "WW2"). */
  get looksLikeAcronym(): boolean {
    const letters = this.raw.normalize("NFKC").replace(/[.\s]/g, "");
    return /^\p{Lu}{2,6}\d{0,2}$/u.test(letters);
  }
  /** Words written with a capital inside the answer (names), folded: "signed by Britain and France" -> britain, france. */
  get names(): Set<string> {
    const r = this.rare;
    if (r.names === undefined) {
      r.names = new Set();
      const ws = this.raw.normalize("NFKC").split(/[^\p{L}\p{N}'’.]+/u).filter((w) => w !== "");
      ws.forEach((w, i) => {
        if (i > 0 && /^\p{Lu}/u.test(w)) for (const t of words(w)) r.names!.add(stem(t));
      });
    }
    return r.names;
  }
  /** Capitalised Roman numerals in the answer, lower-cased ("Henry VIII" -> viii). */
  get romanNumerals(): Set<string> {
    return (this.rare.roman ??= romanNumerals(this.raw));
  }
  /** true / false when the answer is a yes-no answer. */
  get boolean(): boolean | null {
    if (!mayBeBoolean(this.raw)) return null;
    const r = this.rare;
    if (r.bool === undefined) r.bool = this.raw.length <= 200 ? parseBoolean(this.raw) : null;
    return r.bool;
  }
  /** The site name when the answer is a web domain ("Workopolis.com"). */
  get site(): { name: string; suffix: string } | null {
    if (!this.raw.includes(".")) return null;
    const r = this.rare;
    if (r.site === undefined) r.site = siteName(this.raw);
    return r.site;
  }
  /** The answer as a formula the CAS can evaluate, or null. */
  get formula(): Compiled | null {
    if (!looksLikeFormula(this.raw)) return null;
    const r = this.rare;
    if (r.formula === undefined) {
      const f = parseFormula(this.raw);
      r.formula = f ? compileFormula(f) : null;
    }
    return r.formula;
  }
  /** A single variable ("x"), read as a formula only when the other side is one. */
  get variable(): Compiled | null {
    if (!/^\s*\$?[a-z]\$?\s*$/.test(this.raw)) return null;
    const r = this.rare;
    if (r.variable === undefined) {
      const f = parseFormula(`1*${this.raw.replace(/\$/g, "").trim()}`);
      r.variable = f ? compileFormula(f) : null;
    }
    return r.variable;
  }
  /**
   * A value stated after "=": "x = 4" (a variable and its value) or "\log_2 32 = 5" (working, then
   * the result as a number); null for anything else, e.g. an equation "y = 2x + 3".
   */
  get assignment(): { variable: string; value: Prepared } | null {
    if (!this.raw.includes("=")) return null;
    if (this.rare.assignment === undefined) {
      let found: { variable: string; value: Prepared } | null = null;
      const m = /^\$?\s*([a-zA-Z])\s*=\s*([^=<>]+?)\s*\$?$/.exec(this.raw);
      if (m && !/[a-zA-Z]{2,}/.test(m[2].replace(/\\[a-zA-Z]+/g, "")) && !/(?:^|[^a-zA-Z])[a-zA-Z](?:$|[^a-zA-Z])/.test(m[2].replace(/\\[a-zA-Z]+/g, ""))) found = { variable: m[1], value: new Prepared(m[2]) };
      else {
        // One "=" only: "x = 4, y = 3" states two values.
        const parts = this.raw.split("=");
        const last = parts.length === 2 ? new Prepared(parts[1].replace(/\$+$/, "")) : null;
        // ...and only after a computation without variables ("17 × 23 = 391", "\log_2 32 = 5"), not an equation ("2x - y = 0").
        if (last && parts[0].trim() !== "" && last.quantity && !/(?:^|[^a-zA-Z])[a-zA-Z](?:$|[^a-zA-Z])/.test(parts[0].replace(/\\[a-zA-Z]+/g, ""))) found = { variable: "", value: last };
      }
      this.rare.assignment = found;
    }
    return this.rare.assignment;
  }
  /** Written as another kind of name a rule cannot check: an acronym, a chemical or element symbol, a dotted abbreviation. */
  get otherNameForm(): boolean {
    // Quick no: longer than a symbol, or a word with two lower-case letters in a row ("Paris").
    if (this.raw.length > 12 || (/[a-z]{2}/.test(this.raw) && !this.raw.endsWith("."))) return false;
    if (this.rare.otherName === undefined) {
      const s = /[^\x00-\x7f]/.test(this.raw) ? this.raw.normalize("NFKC") : this.raw;
      this.rare.otherName = s.length <= 12 && (/^\p{Lu}{2,6}$/u.test(s.replace(/\./g, "")) || (/^(?:[A-Z][a-z]?\d*){1,6}$/.test(s) && /[a-z\d]/.test(s)) || /^\p{L}{2,6}\.$/u.test(s));
    }
    return this.rare.otherName;
  }
  /** The candidates of a hedged answer ("Paris or London"), or []. */
  get hedge(): string[] {
    if (!/\bor\b/i.test(this.raw)) return NO_HEDGE;
    return (this.rare.hedge ??= hedgeCandidates(this.raw));
  }
}
