/**
 * The rule cascade: decides `match`, `mismatch` or `undecided` for one response against the
 * accepted forms of a ground truth, synchronously and without a model. A rule decides only when
 * it is sure; everything else is undecided and goes to the judge. Order matters: typed
 * comparisons (numbers, dates, yes/no, formulas) come before text normalisation, because
 * normalisation drops the signs and punctuation that make "-5" differ from "5"; the near-miss
 * guard (guard.ts) stands between any text similarity and a match. docs/reward.md describes each step.
 */
import { compareCompiled, constantFormula, constantValue } from "./cas.js";
import { compareDates } from "./dates.js";
import { diffF1, nearMiss, tokenDiff } from "./guard.js";
import { compareQuantities, type Decision, type NumberOptions, type Quantity, type RequestedPrecision } from "./numbers.js";
import { Prepared } from "./prepared.js";
import { questionAsksForm, questionOrderWords, requestedPrecision, type OrderWords } from "./question.js";

export type { Decision } from "./numbers.js";

export type RuleName =
  | "exact" | "number" | "date" | "boolean" | "formula" | "variant" | "list" | "order" | "acronym" | "hedge"
  | "f1" | "guard" | "negation" | "disjoint" | "empty" | "type";

export interface RuleOptions {
  /** Relative tolerance of the number rule (default 1e-6). */
  relTol?: number;
  /** Token F1 at or above which two texts are a near-match (default 0.9). */
  f1Threshold?: number;
  /**
   * Verdict for texts that share no word (default "undecided": "fall" may be "autumn", and only a
   * judge knows; "mismatch" saves those judge calls and scores such other names 0).
   */
  disjoint?: "mismatch" | "undecided";
}

export interface RuleOutcome {
  verdict: Decision;
  rule: RuleName;
  /** Index of the accepted form that decided (match) or the first form (otherwise). */
  form: number;
  f1?: number;
}

interface Resolved {
  relTol: number;
  f1Threshold: number;
  disjoint: "mismatch" | "undecided";
}

export function resolveRuleOptions(o: RuleOptions = {}): Resolved {
  return { relTol: o.relTol ?? 1e-6, f1Threshold: o.f1Threshold ?? 0.9, disjoint: o.disjoint ?? "undecided" };
}

/**
 * Whether a list answer's order matters: known (the record's flag, a sequence written in the
 * truth, or a question that asks for an order outright), suggested by the question, known not
 * to matter, or unknown (no flag, no question).
 */
export type OrderState = "ordered" | "unordered" | "suggested" | "unknown";

/**
 * What the rules know besides the two answers: the question and the record's `ordered` flag.
 * Each fact is read from the question only when a rule needs it.
 */
export class Facts implements NumberOptions {
  private _order?: OrderWords;
  private _form?: boolean;
  private _percent?: boolean;
  private _precision?: RequestedPrecision | null;
  constructor(
    readonly relTol: number,
    readonly question?: string,
    readonly ordered?: boolean,
  ) {}
  /** The precision the question asks for; read only when a rounding is in question. */
  precision(): RequestedPrecision | null {
    if (this._precision === undefined) this._precision = this.question ? requestedPrecision(this.question) : null;
    return this._precision;
  }
  /** The question asks for a percentage ("What percentage…?"). */
  percentAsked(): boolean {
    return (this._percent ??= this.question !== undefined && /percent|%/i.test(this.question));
  }
  /** The question asks for a form ("Expand…", "exact value"), not only a value. */
  formMatters(): boolean {
    return (this._form ??= this.question !== undefined && questionAsksForm(this.question));
  }
  /** The response repeats an expression written in the question ("What is 17 × 23?" / "17 × 23"). */
  echoes(resp: Prepared): boolean {
    if (!this.question) return false;
    const r = resp.raw.replace(/\s+/g, "");
    return r.length >= 3 && this.question.replace(/\s+/g, "").includes(r);
  }
  orderFor(truth: Prepared): OrderState {
    if (this.ordered !== undefined) return this.ordered ? "ordered" : "unordered";
    if (truth.isSequence) return "ordered";
    if (this.question === undefined || this.question.trim() === "") return "unknown";
    const words = (this._order ??= questionOrderWords(this.question));
    return words === "asks" ? "ordered" : words === "suggests" ? "suggested" : "unordered";
  }
}

type FormOutcome = { verdict: Decision; rule: RuleName; f1?: number };

const isNumeric = (t: string) => /^\d+$/.test(t);
const DECIMAL = /\d[.,]\d/;

/** An exact value as a quantity (a formula's value, e.g. √3/2). */
function exactQuantity(value: number): Quantity {
  return { readings: [{ value, step: 0, unit: "" }], sig: Infinity, whole: false };
}

/** Letters of a short form appear in order in the long one, from its first letter ("IL" / "Illinois"). */
function abbreviates(short: string, long: string): boolean {
  const a = short.toLowerCase().replace(/[^a-z]/g, "");
  const b = long.toLowerCase().replace(/[^a-z]/g, "");
  if (a.length < 2 || a.length >= b.length || a[0] !== b[0]) return false;
  let j = 0;
  for (const ch of b) if (ch === a[j]) j++;
  return j === a.length;
}

function disjointVerdict(truth: Prepared, resp: Prepared, o: Resolved): Decision {
  if (o.disjoint === "undecided") return "undecided";
  // "IL" for "Illinois", "Fe" for "iron", "H2O" for "water": other names only a judge can check.
  if (truth.otherNameForm === resp.otherNameForm) return "mismatch";
  const [short, long] = truth.otherNameForm ? [truth, resp] : [resp, truth];
  // An acronym stands for several words ("CERN" is not its English initials): against one word it
  // can only be that word's abbreviation ("IL" / "Illinois"); "UN" is never "Paris".
  if (short.looksLikeAcronym && !/\s/.test(long.raw.trim())) return abbreviates(short.raw, long.raw) ? "undecided" : "mismatch";
  return "undecided";
}

/** Equal up to letter case, where case can change the meaning: unit symbols after a number, short symbols. */
function caseCarriesMeaning(a: Prepared, b: Prepared): boolean {
  if (a.raw === b.raw) return false;
  const x = a.raw.normalize("NFKC");
  const y = b.raw.normalize("NFKC");
  if (x === y || x.toLowerCase() !== y.toLowerCase()) return false;
  // Symbols: capitals on both sides, placed differently ("CO" / "Co").
  return /\d\s*\p{L}/u.test(x) || (x.replace(/\W/g, "").length <= 3 && /\p{Lu}/u.test(x) && /\p{Lu}/u.test(y));
}

/** Compares one response with one accepted form of the truth. */
export function compareForm(truth: Prepared, resp: Prepared, o: Resolved, facts: Facts, allowList = true): FormOutcome {
  if (resp.norm === "" && resp.folded === "") return { verdict: "mismatch", rule: "empty" };
  if (truth.folded === resp.folded) {
    if (!caseCarriesMeaning(truth, resp)) return { verdict: "match", rule: "exact" };
    // "3 MW" / "3 mW", "CO" / "Co": letter case is part of the answer; only the number rule may decide.
    if (!(truth.quantity && resp.quantity)) return { verdict: "undecided", rule: "exact" };
  }

  // "x = 4" answers the same as "4"; two different variables are not the same answer.
  const ta = truth.assignment;
  const ra = resp.assignment;
  if (ta || ra) {
    if (ta && ra && ta.variable !== ra.variable) return { verdict: "undecided", rule: "formula" };
    return compareForm(ta ? ta.value : truth, ra ? ra.value : resp, o, facts, allowList);
  }

  // Negation on one side only: "not Paris" never matches "Paris".
  const negationDiffers = truth.negated !== resp.negated;
  if (negationDiffers) {
    const strip = (p: Prepared) => p.tokens.filter((t) => !["not", "no", "never"].includes(t)).join(" ");
    if (strip(truth) === strip(resp)) return { verdict: "mismatch", rule: "negation" };
  }

  const qt = truth.quantity;
  const qr = resp.quantity;
  if (qt && qr) return { verdict: compareQuantities(qt, qr, facts), rule: "number" };

  const dt = truth.dates;
  if (dt.length > 0) {
    const dr = resp.dates;
    if (dr.length > 0) return { verdict: compareDates(dt, dr), rule: "date" };
  }

  const bt = truth.boolean;
  if (bt !== null) {
    const br = resp.boolean;
    if (br !== null) return { verdict: br === bt ? "match" : "mismatch", rule: "boolean" };
  }

  // Formulas: only when both sides look like math (the library is never asked about prose).
  const ft0 = qt ? null : truth.formula;
  const fr0 = qr ? null : resp.formula;
  if (ft0 || fr0) {
    const ft = ft0 ?? (qt ? null : truth.variable);
    const fr = fr0 ?? (qr ? null : resp.variable);
    if (ft && fr) {
      const v = compareCompiled(ft, fr);
      // Equal in value is not enough when the response repeats the question's expression, or
      // the question asks for a form ("Expand (x+1)^2" is not answered by "(x+1)^2").
      if (v === "match" && (facts.echoes(resp) || (facts.formMatters() && ft.printed() !== fr.printed()))) return { verdict: "undecided", rule: "formula" };
      return { verdict: v, rule: "formula" };
    }
    if ((ft && qr) || (fr && qt)) {
      const f = (ft ?? fr)!;
      const value = constantValue(f);
      let v: Decision;
      if (value === null) {
        // A formula in variables against a number: equal only if the formula is that constant.
        const n = ft ? qr! : qt!;
        if (n.readings.length !== 1 || n.readings[0].unit !== "") return { verdict: "undecided", rule: "formula" };
        const c = constantFormula(n.readings[0].value, f.formula.vars);
        v = ft ? compareCompiled(f, c) : compareCompiled(c, f);
      } else {
        // A formula's value has no unit: against "30°" (π/6 in radians?) it cannot be compared.
        if ((ft ? qr! : qt!).readings.some((x) => x.unit !== "")) return { verdict: "undecided", rule: "formula" };
        v = ft ? compareQuantities(exactQuantity(value), qr!, facts) : compareQuantities(qt!, exactQuantity(value), facts);
      }
      // A computation is not its result ("17 × 23" for 391), and a decimal is not an exact form.
      if (v === "match" && (fr || facts.formMatters())) return { verdict: "undecided", rule: "formula" };
      return { verdict: v, rule: "formula" };
    }
  }

  if (truth.norm === resp.norm && truth.norm !== "") return { verdict: "match", rule: "exact" };

  // "Workopolis.com" names the site "Workopolis".
  const ts = truth.site;
  const rs = resp.site;
  if (ts || rs) {
    if (ts && rs) {
      if (ts.name === rs.name) return { verdict: ts.suffix === rs.suffix ? "match" : "undecided", rule: "variant" };
    } else if ((ts ?? rs)!.name === (ts ? resp : truth).norm.replace(/ /g, "")) return { verdict: "match", rule: "variant" };
  }

  if (allowList) {
    const ti = truth.items;
    if (ti.length >= 2) {
      const ri = resp.items;
      if (ri.length >= 2) return compareLists(truth, ti, ri, o, facts);
    }
  }

  const tt = truth.tokens;
  const rt = resp.tokens;
  // One side a single short token that spells the other's initials: "USA" / "United States of America", "WWII" / "World War II".
  if (!negationDiffers && (tt.length === 1 || rt.length === 1) && tt.length !== rt.length) {
    const [short, long] = tt.length === 1 ? [truth, resp] : [resp, truth];
    const word = short.norm.replace(/ /g, "");
    if (short.looksLikeAcronym && long.initials.includes(word)) return { verdict: "match", rule: "acronym" };
  }

  // A number in the truth answered with plain words (or the other way round): a judge question.
  if ((qt !== null) !== (qr !== null)) return { verdict: "undecided", rule: "type" };

  const d = tokenDiff(truth, resp);
  const f1 = diffF1(truth, resp, d);
  if (tt.length > 0 && d.tOnly.length === 0 && d.rOnly.length === 0) {
    // The same words up to Latin/Greek number ("mitochondria" / "mitochondrion"); in another order they may say the opposite.
    if (d.sameOrder) return { verdict: "match", rule: d.variants > 0 ? "variant" : "exact", f1 };
    return { verdict: "undecided", rule: "guard", f1 };
  }
  if (f1 === 0) return { verdict: disjointVerdict(truth, resp, o), rule: "disjoint", f1 };
  // The same words except for numbers ("Apollo 11" / "Apollo 13"): different things.
  const tNums = tt.filter(isNumeric).sort().join(" ");
  const rNums = rt.filter(isNumeric).sort().join(" ");
  // (Only whole numbers: normalisation turns "10.0" into the token "100".)
  if (tNums !== "" && rNums !== "" && tNums !== rNums && !DECIMAL.test(truth.raw) && !DECIMAL.test(resp.raw) && tt.filter((t) => !isNumeric(t)).join(" ") === rt.filter((t) => !isNumeric(t)).join(" "))
    return { verdict: "mismatch", rule: "number", f1 };
  if (negationDiffers) return { verdict: "undecided", rule: "negation", f1 };
  if (nearMiss(truth, resp, d)) return { verdict: "undecided", rule: "guard", f1 };
  if (f1 >= o.f1Threshold) return { verdict: "match", rule: "f1", f1 };
  return { verdict: "undecided", rule: "f1", f1 };
}

const TITLE = /^\s*(?:the\s+)?\p{Lu}[\p{L}'’.-]*(?:\s+\p{Lu}[\p{L}'’.-]*)*\s+(?:and|&)\s+(?:the\s+)?\p{Lu}[\p{L}'’.-]*(?:\s+\p{Lu}[\p{L}'’.-]*)*\s*$/u;

/** Lists longer than this are left to the judge: pairing them would cost more than a call. */
const MAX_LIST_ITEMS = 32;

/**
 * Two lists: the items pair up one to one. In the same order, a match; in another order, a
 * match only when order does not matter, a mismatch when it does, undecided when unknown or
 * only suggested by the question. A truth item with no possible partner is a mismatch.
 */
function compareLists(truth: Prepared, ti: Prepared[], ri: Prepared[], o: Resolved, facts: Facts): FormOutcome {
  if (ti.length > MAX_LIST_ITEMS || ri.length > MAX_LIST_ITEMS) return { verdict: "undecided", rule: "list" };
  // Item verdicts, computed on demand: most rows end at their first free match.
  const memo = new Map<number, Decision>();
  const cmp = (i: number, j: number): Decision => {
    const key = i * MAX_LIST_ITEMS + j;
    let v = memo.get(key);
    if (v === undefined) memo.set(key, (v = compareForm(ti[i], ri[j], o, facts, false).verdict));
    return v;
  };
  if (ti.length === ri.length && ti.every((_, i) => cmp(i, i) === "match")) return { verdict: "match", rule: "list" };
  // Pair each truth item with a response item, greedily; note items that can have no partner at all.
  const used = new Array<boolean>(ri.length).fill(false);
  let unmatched = false;
  let impossible = false;
  for (let i = 0; i < ti.length; i++) {
    let j = 0;
    while (j < ri.length && (used[j] || cmp(i, j) !== "match")) j++;
    if (j < ri.length) used[j] = true;
    else {
      unmatched = true;
      if (ri.every((_, k) => cmp(i, k) === "mismatch")) impossible = true;
    }
  }
  if (impossible) return { verdict: "mismatch", rule: "list" };
  // Fewer items, each one a truth item: the response leaves something out.
  if (unmatched && ri.length < ti.length && used.every(Boolean)) return { verdict: "mismatch", rule: "list" };
  if (unmatched) return { verdict: "undecided", rule: "list" };
  if (ri.length > ti.length) {
    // Every truth item is there, plus more: a wrong or hedged list when the truth is a plain list,
    // but "Paris, Île-de-France, France" for "Paris, France" may just say more.
    // ("Trinidad and Tobago, West Indies" for "Trinidad and Tobago": two items may be one name.)
    const plainList = ti.length >= 3 || facts.ordered !== undefined;
    return { verdict: plainList ? "mismatch" : "undecided", rule: "list" };
  }
  // Same items in another order.
  const order = facts.orderFor(truth);
  // Two capitalised names joined by "and" may be one title ("War and Peace" is not "Peace and War").
  if (order === "unordered" && facts.ordered === undefined && ti.length === 2 && TITLE.test(truth.raw)) return { verdict: "undecided", rule: "order" };
  if (order === "unordered") return { verdict: "match", rule: "list" };
  if (order === "ordered") return { verdict: "mismatch", rule: "order" };
  return { verdict: "undecided", rule: "order" };
}

/** A hedge is judged only when the truth is one answer, not a list or an alternative itself. */
function truthAdmitsHedge(forms: Prepared[]): boolean {
  return forms.every((f) => !/\bor\b/i.test(f.raw) && f.items.length < 2);
}

/**
 * Compares a response with every accepted form: any match wins; a mismatch needs every form
 * to disagree; otherwise the outcome is undecided (a question for the judge). A response naming
 * several candidates is a match only when every candidate is accepted.
 */
export function compareAll(forms: Prepared[], resp: Prepared, o: Resolved, facts: Facts, hedges = true): RuleOutcome {
  // Cheap pass first: a folded-equal form settles it without parsing anything.
  for (let i = 0; i < forms.length; i++) if (forms[i].folded === resp.folded && resp.folded !== "" && !caseCarriesMeaning(forms[i], resp)) return { verdict: "match", rule: "exact", form: i };
  if (hedges && resp.hedge.length >= 2 && truthAdmitsHedge(forms)) {
    const each = resp.hedge.map((c) => compareAll(forms, new Prepared(c), o, facts, false));
    const all = each.every((r) => r.verdict === "match");
    return { verdict: all ? "match" : "mismatch", rule: "hedge", form: all ? each[0].form : 0 };
  }
  let first: RuleOutcome | null = null;
  let undecided: RuleOutcome | null = null;
  for (let i = 0; i < forms.length; i++) {
    const r = compareForm(forms[i], resp, o, facts);
    if (r.verdict === "match") return { ...r, form: i };
    const out = { ...r, form: i };
    first ??= out;
    if (r.verdict === "undecided" && !undecided) undecided = out;
  }
  return undecided ?? first ?? { verdict: "mismatch", rule: "empty", form: 0 };
}
