/**
 * What the question tells the rules when no record flag does: whether a list answer is a
 * sequence ("In what order…", "Rank … from closest to farthest") and whether a number must be
 * given to a stated precision ("to two decimal places"). The export's policy instructions are cut
 * off first (src/policy-format.ts), so a prompt's "step by step" is never read as an order word.
 */
import { stripPolicyInstructions } from "../policy-format.js";
import { Lru } from "./lru.js";
import type { RequestedPrecision } from "./numbers.js";

// Phrases that ask for an order outright: a permutation of the items answers another question.
const ORDER_WORDS = new RegExp(
  [
    "\\bin (?:what|which|the correct|the right|chronological|alphabetical|numerical|reverse|ascending|descending) order\\b",
    "\\bin order of\\b",
    "\\bin the order\\b",
    "\\b(?:the )?order (?:of|in which)\\b",
    "\\b(?:chronological|chronologically|ascending|descending)\\b",
    "\\b(?:sort|arrange|rank|order)\\b[^.?!]{0,80}\\bfrom\\b",
    "\\bfrom (?:the )?(?:first|earliest|oldest|youngest|newest|latest|closest|nearest|farthest|furthest|smallest|largest|biggest|lowest|highest|shortest|longest|lightest|heaviest|least|most|fastest|slowest|top|bottom|north|south|east|west|inner|outer|innermost|outermost|beginning|start)\\b[^.?!]{0,40}\\bto\\b",
    "\\b(?:first|1st)\\b[^.?!]{0,60}\\b(?:then|next|second|2nd|last|finally)\\b",
    "\\b(?:came|happened|occurred|took place) (?:first|earlier|earliest|last|later|latest)\\b",
  ].join("|"),
  "i",
);
// Words that suggest a sequence without asking for one ("the stages of mitosis", "ranked"): a permutation is the judge's call.
const SEQUENCE_WORDS = /\b(?:in order\b(?! to\b)|ordered|rank|ranks|ranked|ranking|sequence|sequential|sequentially|sorted|arranged|steps|stages|phases)\b/i;

/** What the question says about order: "asks" for one outright, "suggests" a sequence, or "none". */
export type OrderWords = "asks" | "suggests" | "none";

// The 16 rollouts of a prompt share its question: remember recent answers.
const seen = new Lru<string, OrderWords>(2048);

export function questionOrderWords(question: string): OrderWords {
  let v = seen.get(question);
  if (v === undefined) {
    const q = stripPolicyInstructions(question);
    seen.set(question, (v = ORDER_WORDS.test(q) ? "asks" : SEQUENCE_WORDS.test(q) ? "suggests" : "none"));
  }
  return v;
}

const WORD_NUMBERS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6 };
const NEAREST: Record<string, number> = {
  "whole number": 1, integer: 1, unit: 1, one: 1, ten: 10, tens: 10, hundred: 100, thousand: 1000, tenth: 0.1,
  hundredth: 0.01, thousandth: 0.001, percent: 1, "percentage point": 1, cent: 0.01, penny: 0.01, dollar: 1, degree: 1,
};

/** The precision a question asks for, or null when it names none. */
export function requestedPrecision(question: string): RequestedPrecision | null {
  const q = stripPolicyInstructions(question).toLowerCase();
  if (!/decimal|significant|nearest|round|d\.p\.|s\.f\./.test(q)) return null;
  const count = (w: string) => (/^\d+$/.test(w) ? Number(w) : WORD_NUMBERS[w]);
  let m = /\b(\d+|one|two|three|four|five|six)\s+(?:decimal places?|decimals?|d\.p\.|places after the decimal)/.exec(q);
  if (m && count(m[1]) !== undefined) return { step: 10 ** -count(m[1]) };
  m = /\b(\d+|one|two|three|four|five|six)\s+(?:significant (?:figures?|digits?)|sig\.? ?figs?|s\.f\.)/.exec(q);
  if (m && count(m[1]) !== undefined) return { sig: count(m[1]) };
  m = /\bnearest\s+(whole number|integer|unit|ones?|tens?|hundred|thousand|tenth|hundredth|thousandth|percent(?:age point)?|cent|penny|dollar|degree)\b/.exec(q);
  if (m) return { step: NEAREST[m[1].replace(/s$/, "")] ?? NEAREST[m[1]] ?? 1 };
  // Some other wording of a precision ("round your answer"): the question cares, so no rounding is assumed.
  return { step: 0 };
}

const FORM_WORDS =
  /\b(?:expand|expanded|factor|factori[sz]e|factored|simplify|simplified|simplest|exact|exactly|rationali[sz]e|standard form|vertex form|slope-intercept|intercept form|in terms of|complete the square|partial fractions?|rewrite|rewritten|written as|express(?:ed)? as|in the form)\b/i;

/** The question asks for an answer in a particular form ("Expand…", "in exact form"): an equal value in another form is not enough. */
export function questionAsksForm(question: string): boolean {
  return FORM_WORDS.test(stripPolicyInstructions(question));
}
