/**
 * Leakage a rule can be sure of: the answer can be read off the question. For a name or a
 * phrase that is the answer standing in the question. For a number it is not: "If 3x + 2 = 8,
 * what is x?" → "2" and "for every ε > 0" → "0" give their answer's digits as data. A number
 * leaks only when it stands in the question as a fact rather than as data: it is the
 * question's only number and not an operand ("Mars, with its 2 moons, has how many moons?"),
 * or it counts the very thing asked for ("… has 1050 seats. How many seats …?"). Dates are
 * rarely operands, so a date answer in its question leaks. Yes/no and true/false answers never
 * do ("Is it true that no …?", "… true or false?"). Anything subtler is the verifier's call.
 */
import type { AnswerType } from "../records.js";
import { isDateAnswer, isNumberAnswer } from "./answer-types.js";
import { root, wordSpans } from "./text.js";

export interface Leak {
  code: "answer_in_question";
  detail: string;
}

/** A number as written in text: 1,200 / 3.5 / -7 / 3/4 (commas dropped for comparison). */
const NUM = /(?<![\p{L}\p{N}.])[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?:\/\d+)?(?![\p{N}])/gu;
/** Signs that make an adjacent number an operand or a bound. */
const OPERATOR = /[=<>≤≥≠+\-−*×÷/^%()[\]{}|]|\b(?:mod|squared|cubed|plus|minus|times|over|divided|power)\b/u;
/** Letters glued to a number ("3x", "x2") make it part of an expression. */
const GLUED = /[\p{L}]\d|\d[\p{L}]/u;
const LEADING_ARTICLE = /^(?:the|a|an)\s+/iu;
/** Numbers written as words count as numbers in the question ("a six-sided polygon"); "one" is too often a pronoun. */
const NUMBER_WORDS: Record<string, string> = {
  two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8", nine: "9", ten: "10", eleven: "11", twelve: "12",
  thirteen: "13", fourteen: "14", fifteen: "15", sixteen: "16", seventeen: "17", eighteen: "18", nineteen: "19", twenty: "20",
  thirty: "30", forty: "40", fifty: "50", sixty: "60", seventy: "70", eighty: "80", ninety: "90", hundred: "100", dozen: "12",
};
const NUMBER_WORD = new RegExp(`\\b(?:${Object.keys(NUMBER_WORDS).join("|")})\\b`, "giu");

/** Every number in the question, digits or words, with its place. */
function numbersIn(q: string): { value: string; start: number; end: number; text: string }[] {
  const out = [...q.matchAll(NUM)].map((m) => ({ value: numberValue(m[0]), start: m.index!, end: m.index! + m[0].length, text: m[0] }));
  for (const m of q.matchAll(NUMBER_WORD)) out.push({ value: NUMBER_WORDS[m[0].toLowerCase()], start: m.index!, end: m.index! + m[0].length, text: m[0] });
  return out;
}

const norm = (s: string) => wordSpans(s).map((w) => w.word).join(" ");
const numberValue = (s: string) => s.replace(/,/g, "").replace("−", "-");

/** True when the normalised `needle` stands as whole words inside the normalised `haystack`. */
function containsPhrase(haystack: string, needle: string): boolean {
  const n = norm(needle);
  if (n === "") return false;
  // Cheap first: most questions do not even contain the answer's first word.
  const lower = (/[^\x00-\x7f]/u.test(haystack) ? haystack.normalize("NFKC") : haystack).toLowerCase();
  if (!lower.includes(n.split(" ", 1)[0])) return false;
  return ` ${norm(haystack)} `.includes(` ${n} `);
}

/** Whether a number occurrence at [start, end) of `q` is data: an operand, or one of several numbers. */
function isData(q: string, start: number, end: number, numbersInQuestion: number): boolean {
  // A hyphen before a letter joins a compound ("six-sided", "40-tooth"); it is no minus sign.
  const around = q.slice(Math.max(0, start - 3), start) + " " + q.slice(end, end + 3).replace(/^[-–](?=\p{L})/u, " ");
  if (OPERATOR.test(around) || GLUED.test(q.slice(Math.max(0, start - 1), end + 1))) return true;
  return numbersInQuestion > 1;
}

/** "How many seats …" and "1050 seats": the number counts what the question asks to count. */
function countsAskedThing(q: string, end: number): boolean {
  const asked = /\bhow\s+(?:many|much)\s+(?:of\s+the\s+)?([\p{L}-]+)/iu.exec(q);
  if (!asked) return false;
  const next = /^[\s\-–]+(\p{L}+)/u.exec(q.slice(end));
  return !!next && root(next[1].toLowerCase()) === root(asked[1].toLowerCase());
}

export function findLeak(question: string, answer: string, answerType: AnswerType): Leak | null {
  const a = answer.trim();
  if (answerType === "yes_no" || /^(?:yes|no|true|false)\.?$/iu.test(a)) return null;
  const numeric = answerType === "number" || (answerType !== "date" && isNumberAnswer(a) && /\d/.test(a));
  if (numeric) {
    const value = a.match(NUM)?.[0];
    if (!value) return containsPhrase(question, a) ? { code: "answer_in_question", detail: `the answer "${a}" stands in the question` } : null;
    const occurrences = numbersIn(question);
    for (const { value: v, start, end, text } of occurrences) {
      if (v !== numberValue(value)) continue;
      if (countsAskedThing(question, end)) return { code: "answer_in_question", detail: `the question states ${text} of what it asks to count` };
      if (!isData(question, start, end, occurrences.length)) return { code: "answer_in_question", detail: `the answer ${value} is stated in the question as a fact, not as data` };
    }
    return null;
  }
  if (answerType === "date" || isDateAnswer(a)) {
    return containsPhrase(question, a) ? { code: "answer_in_question", detail: `the date "${a}" stands in the question` } : null;
  }
  const phrase = a.replace(LEADING_ARTICLE, "");
  // One- or two-letter answers ("C", "Fe") stand in many questions by chance; the verifier judges those.
  if (norm(phrase).replace(/ /g, "").length < 3) return null;
  return containsPhrase(question, phrase) ? { code: "answer_in_question", detail: `the answer "${a}" stands verbatim in the question` } : null;
}
