/**
 * Deterministic answer-quality rules, each with its own reason code `quality.<code>`.
 * They catch what the paper's rules forbid but a generator still produces: long answers
 * that cannot be verified by matching, placeholder answers, questions that lean on an
 * unseen document, and answers that contradict their declared type.
 */
import type { QaRecord } from "../records.js";

export const QUALITY_CODES = ["empty_answer", "answer_too_long", "context_reference", "answer_type_mismatch"] as const;
export type QualityCode = (typeof QUALITY_CODES)[number];

export interface QualityIssue {
  code: QualityCode;
  detail: string;
}

const PLACEHOLDERS = new Set([
  "", "n a", "na", "none", "unknown", "not stated", "not mentioned", "not specified", "not provided", "not given",
  "not available", "see above", "no answer", "null", "undefined", "tbd", "unclear", "cannot be determined",
  "not applicable",
]);

/** Words as the normaliser sees them (letters/digits runs), lowercased. */
function words(text: string): string[] {
  return text.normalize("NFKC").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** "the text", "this passage", "the given article", ... not followed by "of"/"titled" (e.g. "the text of the treaty"). */
const DOC_NOUNS = "text|passage|article|document|excerpt|paragraph|snippet|extract|story|essay|report|reading|context|source";
const CONTEXT_REFERENCE = [
  new RegExp(`\\b(?:the|this|that|above|given|following|provided|aforementioned|preceding|accompanying)\\s+(?:(?:given|provided|above|following|preceding|original|same)\\s+)?(?:${DOC_NOUNS})\\b(?!\\s+(?:of|titled|called|named|entitled)\\b)(?!['’]s\\s+title)`, "iu"),
  /\b(?:the|this)\s+author\b(?!\s+(?:of|who)\b)/iu,
  /\b(?:mentioned|described|stated|given|shown|listed|noted|discussed|defined|cited|referenced|outlined|presented|quoted)\s+above\b/iu,
  /\b(?:the|see)\s+above\b/iu,
  /\baccording to the (?:text|passage|article|document|author|excerpt|paragraph|source)\b/iu,
];

/** One cheap scan that every CONTEXT_REFERENCE match needs, so most questions skip the rest. */
const CONTEXT_WORDS = new RegExp(`${DOC_NOUNS}|author|above`, "i");

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
  const w = words(a);
  return w.length > 0 && w.length <= 4 && NUMBER_WORDS.has(w[0]);
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

export function checkQuality(rec: Pick<QaRecord, "question" | "answer" | "answer_type">, maxAnswerWords: number): QualityIssue | null {
  const answerWords = words(rec.answer);
  const normalisedAnswer = answerWords.join(" ");
  if (PLACEHOLDERS.has(normalisedAnswer) || /^[\s.…?!-]*$/u.test(rec.answer))
    return { code: "empty_answer", detail: `placeholder answer "${rec.answer.trim().slice(0, 40)}"` };
  if (rec.answer_type !== "list" && rec.answer_type !== "formula" && answerWords.length > maxAnswerWords)
    return { code: "answer_too_long", detail: `answer has ${answerWords.length} words (limit ${maxAnswerWords} for ${rec.answer_type})` };
  if (CONTEXT_WORDS.test(rec.question)) {
    for (const re of CONTEXT_REFERENCE) {
      const m = re.exec(rec.question);
      if (m) return { code: "context_reference", detail: `question refers to an unseen document: "${m[0]}"` };
    }
  }
  const ok =
    rec.answer_type === "number" ? isNumberAnswer(rec.answer)
    : rec.answer_type === "date" ? isDateAnswer(rec.answer)
    : rec.answer_type === "yes_no" ? isYesNoAnswer(rec.answer)
    : true;
  if (!ok) return { code: "answer_type_mismatch", detail: `answer "${rec.answer.slice(0, 40)}" is not a ${rec.answer_type}` };
  return null;
}

/** Best guess of an answer type for imported pairs that carry none. */
export function inferAnswerType(answer: string): "number" | "yes_no" | "date" | "other" {
  if (isYesNoAnswer(answer)) return "yes_no";
  if (/^\s*(?:1[0-9]{3}|20[0-9]{2})\s*$/.test(answer)) return "date";
  if (isNumberAnswer(answer) && /\d/.test(answer)) return "number";
  return "other";
}
