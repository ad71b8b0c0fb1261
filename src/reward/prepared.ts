/**
 * An answer string with its normalised views computed once and on demand, so comparing one
 * response with many accepted forms (TriviaQA items carry up to ~100 aliases) parses it once.
 */
import { parseDate, type DateParts } from "./dates.js";
import { contentTokens, foldText, stem, words } from "./normalize.js";
import { parseQuantity, type Quantity } from "./numbers.js";

const NEGATIONS = new Set(["not", "no", "never", "neither", "nor", "none", "isnt", "wasnt", "arent", "werent", "doesnt", "didnt", "dont", "cannot", "cant", "wont", "nothing", "nobody"]);
const ACRONYM_STOP = new Set(["of", "and", "the", "for", "de", "la", "du", "a", "an", "in", "on"]);
// List separators: commas, semicolons, slashes, newlines and a final "and" / "or"-less "&".
const LIST_SPLIT = /\s*(?:[,;\n/]|\band\b|\s&\s)\s*/;

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
  private _initials?: string[];

  constructor(raw: string) {
    this.raw = raw.trim();
  }
  /** Folded and whitespace-collapsed, punctuation kept: equality here is always a safe match. */
  get folded(): string {
    return (this._folded ??= foldText(this.raw).replace(/\s+/g, " ").trim());
  }
  /** Words without articles (computed once; norm and tokens derive from it). */
  private get content(): string[] {
    return (this._content ??= contentTokens(this.raw));
  }
  get norm(): string {
    return (this._norm ??= this.content.join(" "));
  }
  /** Content tokens with plurals folded; the basis of token F1. */
  get tokens(): string[] {
    return (this._tokens ??= this.content.map(stem));
  }
  get quantity(): Quantity | null {
    if (this._qty === undefined) this._qty = /\d|^\s*[a-z]/i.test(this.raw) ? parseQuantity(this.raw) : null;
    return this._qty;
  }
  get dates(): DateParts[] {
    return (this._dates ??= /\d/.test(this.raw) ? parseDate(this.raw) : []);
  }
  get negated(): boolean {
    return (this._negated ??= this.tokens.some((t) => NEGATIONS.has(t)));
  }
  /** List items when the answer reads as a list of two or more, else []. */
  get items(): Prepared[] {
    if (this._items === undefined) {
      const parts = this.raw.length > 400 ? [] : this.raw.split(LIST_SPLIT).map((p) => p.trim()).filter((p) => p !== "");
      this._items = parts.length >= 2 ? parts.map((p) => new Prepared(p)) : [];
    }
    return this._items;
  }
  /**
   * Initials of a capitalised name, with and without little words: "United States of America" ->
   * usa, usoa. Lower-case phrases have none: "architect and designer" is no acronym of "AD".
   */
  get initials(): string[] {
    if (this._initials === undefined) {
      const raw = this.raw.normalize("NFKC").split(/[^\p{L}\p{N}]+/u).filter((w) => w !== "");
      const named = raw.length >= 2 && raw.every((w) => ACRONYM_STOP.has(w.toLowerCase()) || /^\p{Lu}/u.test(w));
      const ws = named ? words(this.raw) : [];
      this._initials = !named ? [] : [ws.filter((w) => !ACRONYM_STOP.has(w)).map((w) => w[0]).join(""), ws.map((w) => w[0]).join("")];
    }
    return this._initials;
  }
  /** Written as an acronym: two to six capital letters, dots allowed ("USA", "U.S.A."). */
  get looksLikeAcronym(): boolean {
    const letters = this.raw.normalize("NFKC").replace(/[.\s]/g, "");
    return /^\p{Lu}{2,6}$/u.test(letters);
  }
}
