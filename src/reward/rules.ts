/**
 * The rule cascade: decides `match`, `mismatch` or `undecided` for one response against the
 * accepted forms of a ground truth, synchronously and without a model. Order matters: typed
 * comparisons (numbers, dates) come before text normalisation, because normalisation drops
 * the signs and punctuation that make "-5" differ from "5". docs/reward.md describes each step.
 */
import { compareDates } from "./dates.js";
import { compareQuantities, type Decision } from "./numbers.js";
import { Prepared } from "./prepared.js";

export type RuleName = "exact" | "number" | "date" | "list" | "acronym" | "f1" | "negation" | "disjoint" | "empty" | "type";

export interface RuleOptions {
  /** Relative tolerance of the number rule (default 1e-6). */
  relTol?: number;
  /** Token F1 at or above which two texts are a near-match (default 0.9). */
  f1Threshold?: number;
  /** Verdict for texts that share no token at all (default "mismatch"; "undecided" sends them to the judge). */
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
  return { relTol: o.relTol ?? 1e-6, f1Threshold: o.f1Threshold ?? 0.9, disjoint: o.disjoint ?? "mismatch" };
}

/** Token F1 of two token lists (multiset overlap). */
export function tokenF1(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const t of a) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of b) {
    const c = counts.get(t);
    if (c) {
      common++;
      counts.set(t, c - 1);
    }
  }
  if (common === 0) return 0;
  const p = common / b.length;
  const r = common / a.length;
  return (2 * p * r) / (p + r);
}

const isNumeric = (t: string) => /\d/.test(t);

/** Compares one response with one accepted form of the truth. */
export function compareForm(truth: Prepared, resp: Prepared, o: Resolved, allowList = true): { verdict: Decision; rule: RuleName; f1?: number } {
  if (resp.norm === "" && resp.folded === "") return { verdict: "mismatch", rule: "empty" };
  if (truth.folded === resp.folded) return { verdict: "match", rule: "exact" };

  // Negation on one side only: "not Paris" never matches "Paris".
  const negationDiffers = truth.negated !== resp.negated;
  if (negationDiffers) {
    const strip = (p: Prepared) => p.tokens.filter((t) => !["not", "no", "never"].includes(t)).join(" ");
    if (strip(truth) === strip(resp)) return { verdict: "mismatch", rule: "negation" };
  }

  const qt = truth.quantity;
  const qr = qt ? resp.quantity : null;
  if (qt && qr) return { verdict: compareQuantities(qt, qr, o.relTol), rule: "number" };

  const dt = truth.dates;
  if (dt.length > 0) {
    const dr = resp.dates;
    if (dr.length > 0) return { verdict: compareDates(dt, dr), rule: "date" };
  }

  if (truth.norm === resp.norm && truth.norm !== "") return { verdict: "match", rule: "exact" };

  if (allowList) {
    const ti = truth.items;
    if (ti.length >= 2) {
      const ri = resp.items;
      if (ri.length >= 2) return { verdict: compareLists(ti, ri, o), rule: "list" };
    }
  }

  const tt = truth.tokens;
  const rt = resp.tokens;
  // One side a single short token that spells the other's initials: "USA" / "United States of America".
  if (!negationDiffers && (tt.length === 1 || rt.length === 1) && tt.length !== rt.length) {
    const [short, long] = tt.length === 1 ? [truth, resp] : [resp, truth];
    const word = short.norm.replace(/ /g, "");
    if (short.looksLikeAcronym && long.initials.includes(word)) return { verdict: "match", rule: "acronym" };
  }

  // A number in the truth answered with plain words (or the other way round): a judge question.
  if ((qt !== null) !== (resp.quantity !== null)) return { verdict: "undecided", rule: "type" };

  const f1 = tokenF1(tt, rt);
  if (f1 === 0) return { verdict: o.disjoint, rule: "disjoint", f1 };
  // The same words except for numbers ("Apollo 11" / "Apollo 13"): different things.
  const tWords = tt.filter((t) => !isNumeric(t)).join(" ");
  const rWords = rt.filter((t) => !isNumeric(t)).join(" ");
  const tNums = tt.filter(isNumeric).sort().join(" ");
  const rNums = rt.filter(isNumeric).sort().join(" ");
  if (tNums !== "" && rNums !== "" && tNums !== rNums && tWords === rWords) return { verdict: "mismatch", rule: "number", f1 };
  if (negationDiffers || tNums !== rNums) return { verdict: "undecided", rule: negationDiffers ? "negation" : "f1", f1 };
  if (f1 >= o.f1Threshold) return { verdict: "match", rule: "f1", f1 };
  return { verdict: "undecided", rule: "f1", f1 };
}

/** Two lists match when their items pair up one to one, in any order. */
function compareLists(truth: Prepared[], resp: Prepared[], o: Resolved): Decision {
  if (truth.length !== resp.length) return "mismatch";
  const used = new Array<boolean>(resp.length).fill(false);
  let undecided = false;
  for (const t of truth) {
    let found = -1;
    let maybe = false;
    for (let j = 0; j < resp.length && found < 0; j++) {
      if (used[j]) continue;
      const d = compareForm(t, resp[j], o, false).verdict;
      if (d === "match") found = j;
      else if (d === "undecided") maybe = true;
    }
    if (found >= 0) used[found] = true;
    else if (maybe) undecided = true;
    else return "mismatch";
  }
  return undecided ? "undecided" : "match";
}

/**
 * Compares a response with every accepted form: any match wins; a mismatch needs every form
 * to disagree; otherwise the outcome is undecided (a question for the judge).
 */
export function compareAll(forms: Prepared[], resp: Prepared, o: Resolved): RuleOutcome {
  // Cheap pass first: a folded-equal form settles it without parsing anything.
  for (let i = 0; i < forms.length; i++) if (forms[i].folded === resp.folded && resp.folded !== "") return { verdict: "match", rule: "exact", form: i };
  let first: RuleOutcome | null = null;
  let undecided: RuleOutcome | null = null;
  for (let i = 0; i < forms.length; i++) {
    const r = compareForm(forms[i], resp, o);
    if (r.verdict === "match") return { ...r, form: i };
    const out = { ...r, form: i };
    first ??= out;
    if (r.verdict === "undecided" && !undecided) undecided = out;
  }
  return undecided ?? first ?? { verdict: "mismatch", rule: "empty", form: 0 };
}
