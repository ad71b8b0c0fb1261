/**
 * What a number, a date and a yes/no answer look like, so an answer can be checked against
 * its declared type (and an imported pair without a type given one).
 */
import { wordSpans } from "./text.js";

const NUMBER_WORDS = new Set([
  "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
  "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty",
  "seventy", "eighty", "ninety", "hundred", "thousand", "million", "billion", "trillion", "dozen", "half",
]);

/**
 * A number with optional approximation word, sign, currency, thousands separators, decimals,
 * exponent (`1.2e3`, `3×10^8`), fraction (`3/4`), percent and a short unit (≤ 3 words).
 */
const NUMBER_RE =
  /^(?:(?:about|approximately|approx\.?|around|roughly|nearly|over|under|almost|~|≈)\s*)?[-+−]?\s*(?:[$€£¥₹]|usd|eur|gbp)?\s*(?:\d{1,3}(?:,\d{3})+|\d+|(?=\.\d))(?:\.\d+)?(?:\s*(?:[eE][-+−]?\d+|[x×]\s*10\^?[-+−]?\d+))?(?:\s*\/\s*\d+)?(?:\s+\d+\/\d+)?\s*(?:%|‰|[°º]\s*[a-z]?)?(?:\s*[\p{L}°µ²³$€£/.·-]+){0,3}\s*\.?$/iu;

const MONTH = /\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b/iu;
const DATE_RES = [
  /^(?:c\.|ca\.|circa|about|around|early|mid|late|mid-)?\s*\d{1,4}\s*(?:bc|bce|ad|ce|b\.c\.|a\.d\.)?\.?$/iu, // a year
  /\b\d{1,4}(?:s|'s)\b/iu, // decade: 1990s
  /\b(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|\w+th)[-\s]+century\b/iu,
  /^\d{4}-\d{2}(?:-\d{2})?(?:[t ]\d{2}:\d{2}(?::\d{2})?)?/iu, // ISO
  /^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$/u,
];

export function isNumberAnswer(answer: string): boolean {
  const a = answer.trim();
  if (NUMBER_RE.test(a)) return true;
  const w = wordSpans(a);
  return w.length > 0 && w.length <= 4 && NUMBER_WORDS.has(w[0].word);
}

export function isDateAnswer(answer: string): boolean {
  const a = answer.trim();
  if (DATE_RES.some((re) => re.test(a))) return true;
  if (MONTH.test(a) && /\d/.test(a)) return true;
  return /\d/.test(a) && !Number.isNaN(Date.parse(a));
}

export function isYesNoAnswer(answer: string): boolean {
  return /^(?:yes|no)[.!]?$/iu.test(answer.trim());
}

/** Best guess of an answer type for imported pairs that carry none. */
export function inferAnswerType(answer: string): "number" | "yes_no" | "date" | "other" {
  if (isYesNoAnswer(answer)) return "yes_no";
  if (/^\s*(?:1[0-9]{3}|20[0-9]{2})\s*$/.test(answer)) return "date";
  if (isNumberAnswer(answer) && /\d/.test(answer)) return "number";
  return "other";
}
