/**
 * The form of an answer: a reward can only match a short answer, so an answer must be a
 * value (a number, a name, a short phrase, a short list), not a sentence. A sentence whose
 * checkable core is plain ("No, sellers are prohibited from …" → "No"; "The result is
 * false." → "false") is reduced to that core; any other sentence, and any answer longer than
 * the word limit that is not a short list, is rejected.
 *
 * The reduction is deliberately narrow: it only strips words the question already says and
 * an answer frame ("the answer is", "it was"), so the core is words the writer chose as
 * the answer, never a guess.
 */
import type { AnswerType } from "../records.js";
import { countWords, root, rootSet, wordSpans, type Span } from "./text.js";

export type FormIssue = { code: "empty_answer" | "sentence_answer" | "answer_too_long"; detail: string };
export type FormResult = { ok: true; answer: string; answer_type: AnswerType; reducedFrom?: string } | ({ ok: false } & FormIssue);

/** Longest core a sentence may be reduced to, unless the core is a short list. */
export const CORE_MAX_WORDS = 6;
/** A short list: at least two items, at most this many, each at most LIST_ITEM_WORDS words. */
export const LIST_MAX_ITEMS = 12;
export const LIST_ITEM_WORDS = 5;
/** Items joined only by "and"/"or" must be shorter: "accept blame for the war and pay reparations" is a clause, not a list. */
export const LIST_AND_ITEM_WORDS = 3;

const PLACEHOLDERS = new Set([
  "", "n a", "n/a", "na", "none", "unknown", "not stated", "not mentioned", "not specified", "not provided", "not given",
  "not available", "see above", "no answer", "null", "undefined", "tbd", "unclear", "cannot be determined",
  "not applicable", "it depends", "depends", "varies", "it varies", "not known", "no idea",
]);
/** Non-answers phrased as a value: "not possible to determine", "impossible to say", "depends on the context". */
const NON_ANSWER = /^(?:it\s+)?(?:depends|varies)\b|^(?:not|no)\s+(?:possible|enough|clear|known|specified|stated|given|mentioned|provided|available|determinable)\b|^(?:impossible|hard|difficult)\s+to\s+(?:say|determine|tell|know)\b|^cannot\s+be\b/iu;

/**
 * A finite verb that makes a sentence: forms of be/have/do that are never nouns, contractions,
 * and modal + be/have ("would be"). Bare modals are left out ("can opener", "May Day").
 */
const FINITE = /\b(?:is|are|was|were|am|equals|has|have|had|does|did|isn['’]t|aren['’]t|wasn['’]t|weren['’]t|doesn['’]t|didn['’]t|don['’]t|cannot|can['’]t|won['’]t)\b|\b(?:it|that|there|what|here|he|she|this)['’]s\b|\b(?:will|would|can|could|should|must|may|might|shall)\s+(?:be|have|not)\b/iu;
/** Words that frame an answer without being it. (Contractions arrive without their apostrophe: "it's" → "its".) */
const FRAME = new Set([
  "the", "a", "an", "answer", "result", "value", "total", "final", "correct", "it", "this", "that", "there", "they", "he", "she",
  "its", "their", "his", "her", "so", "therefore", "thus", "hence", "which", "these", "those", "one",
]);
const COPULA = new Set(["is", "are", "was", "were", "be", "been", "equals", "equal", "would", "will", "has", "have", "had", "becomes", "became", "its", "thats", "theres", "hes", "shes", "whats"]);
const APPROX = new Set(["about", "around", "over", "under", "nearly", "almost", "roughly", "approximately"]);
const LINK = new Set(["by", "to", "of", "in", "on", "at", "from", "as", "for", "into", "with", "about", "called", "named", "known", "and"]);
/** Subjects that make "<subject> <inflected verb> …" a sentence. */
const SUBJECT_PRONOUNS = new Set(["it", "they", "he", "she", "this", "these", "that", "there", "we", "you"]);
const ARTICLES = new Set(["the", "a", "an"]);
/** Small words title case leaves lower-case. */
const SMALL = new Set(["a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "for", "by", "with", "de", "la", "von", "van", "du"]);
const POLAR = /(?:^|[.;:?!]\s+|,\s*)(?:is|are|was|were|do|does|did|can|could|should|would|will|has|have|had|must|may|might|shall|isn['’]t|aren['’]t|doesn['’]t|don['’]t)\s+\S[^.;:?!]*\?\s*$/iu;
const YES_NO_LEAD = /^\s*(yes|no)\b\s*(?:[,.;:!—–-]|\s+(?:because|since|as|but|it|they|the|this|that|not|only))\s*\S/iu;

function placeholder(answer: string): boolean {
  const norm = wordSpans(answer).map((s) => s.word).join(" ");
  return PLACEHOLDERS.has(norm) || /^[\s.…?!-]*$/u.test(answer) || NON_ANSWER.test(answer.trim());
}

/** A name or title in title case ("What Is Life?", "The Treaty of Westphalia"): never a sentence. */
function titleCase(spans: Span[], text: string): boolean {
  const big = spans.filter((s) => !SMALL.has(s.word) && /\p{L}/u.test(s.word));
  if (big.length < 2) return false;
  return big.every((s) => /\p{Lu}/u.test(text[s.start]));
}

/** The answer is worded as a sentence rather than given as a value. */
export function isSentence(answer: string, questionRoots: Set<string> | (() => Set<string>)): boolean {
  if (!/\S\s+\S+\s+\S/u.test(answer)) return false; // under three words
  const spans = wordSpans(answer);
  if (spans.length < 3 || titleCase(spans, answer)) return false;
  const roots = () => (typeof questionRoots === "function" ? questionRoots() : questionRoots);
  if (FINITE.test(answer)) return true;
  // "It trains the immune system …", "Insulin lets cells …": a pronoun or the question's own subject, then an inflected verb.
  const [first, second] = spans;
  if (/(?:s|ed)$/u.test(second.word) && second.word.length > 3 && !/(?:ss|us|is)$/u.test(second.word) && (SUBJECT_PRONOUNS.has(first.word) || (/\.\s*$/u.test(answer) && roots().has(root(first.word)))))
    return true;
  // "The Danube flows into the Black Sea.": a lexical verb the question used, inflected, after a subject.
  return /\.\s*$/u.test(answer) && spans.length >= 4 && spans.slice(1).some((s) => /(?:s|ed)$/u.test(s.word) && s.word.length > 3 && roots().has(root(s.word)));
}

/** Items of a short list ("red, yellow and blue"; "Paris; Lyon; Nice"), or null when it is not one. */
export function listItems(answer: string): string[] | null {
  const text = answer.replace(/\.\s*$/u, "");
  const items = text.split(/\s*[,;]\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+|\n+\s*(?:[-*•]\s*)?/u).map((s) => s.trim()).filter(Boolean);
  if (items.length < 2 || items.length > LIST_MAX_ITEMS) return null;
  const limit = /[,;\n]/u.test(text) ? LIST_ITEM_WORDS : LIST_AND_ITEM_WORDS;
  return items.every((i) => countWords(i) <= limit && !FINITE.test(i)) ? items : null;
}

const inQuestion = (s: Span, q: Set<string>) => q.has(root(s.word));

/**
 * Strips what the question already says from both ends of a sentence answer, plus the answer
 * frame: "The structure was designed by Maurice Koechlin." → "Maurice Koechlin" for "Who
 * designed the structure …?". A prefix counts only when it has a subject (a question word or
 * a frame word other than an article) followed by a verb; a suffix only when it repeats at
 * least two words of the question. Returns null when nothing is left or nothing was stripped.
 */
export function sentenceCore(question: string, answer: string, questionRoots = rootSet(question)): string | null {
  const spans = wordSpans(answer);
  const verbLike = (s: Span) => /(?:s|ed|en)$/u.test(s.word) && s.word.length > 3 && inQuestion(s, questionRoots);
  let i = 0;
  let subject = false;
  let verb = false;
  for (; i < spans.length; i++) {
    const s = spans[i];
    if (!verb) {
      if (subject && (COPULA.has(s.word) || verbLike(s))) verb = true;
      else if (inQuestion(s, questionRoots) || FRAME.has(s.word)) subject ||= !ARTICLES.has(s.word);
      else if (!(subject && LINK.has(s.word))) break;
    } else if (APPROX.has(s.word) && /^\d/u.test(spans[i + 1]?.word ?? "")) break; // "about 300,000" is the core
    else if (!(LINK.has(s.word) || ARTICLES.has(s.word) || COPULA.has(s.word) || verbLike(s))) break;
  }
  const start = verb ? i : 0;
  let j = spans.length;
  let repeated = 0;
  while (j > start) {
    const s = spans[j - 1];
    if (inQuestion(s, questionRoots)) repeated++;
    else if (!FRAME.has(s.word) && !LINK.has(s.word) && !COPULA.has(s.word)) break;
    j--;
  }
  // A core left dangling on "than"/"of"/"to" ("less dense than") still needs what was stripped.
  const end = repeated >= 2 && j > start && !LINK.has(spans[j - 1].word) && spans[j - 1].word !== "than" ? j : spans.length;
  if (start === 0 && end === spans.length) return null;
  if (start >= end) return null;
  // Keep the core's own signs: "$40", "−7", "100 °C", "3.5%".
  let from = spans[start].start;
  while (from > 0 && /[$€£¥₹+\-−~≈]/u.test(answer[from - 1])) from--;
  const core = answer.slice(from, spans[end - 1].end).replace(/^["'“‘(]+|["'”’)]+$/gu, "").trim();
  return core || null;
}

/**
 * Checks an answer's form and returns the answer to keep (reduced when it was a sentence with a
 * plain core) or the issue. `maxWords` is the word limit for answers that are not lists or formulas.
 */
export function checkAnswerForm(question: string, answer: string, answerType: AnswerType, maxWords: number): FormResult {
  const a = answer.trim();
  if (placeholder(a)) return { ok: false, code: "empty_answer", detail: `placeholder answer "${a.slice(0, 40)}"` };
  if (answerType === "formula") return { ok: true, answer: a, answer_type: answerType };
  const words = countWords(a);
  const yn = YES_NO_LEAD.exec(a);
  if (yn && (answerType === "yes_no" || POLAR.test(question))) {
    const core = yn[1][0].toUpperCase() + yn[1].slice(1).toLowerCase();
    return { ok: true, answer: core, answer_type: "yes_no", reducedFrom: a };
  }
  let roots: Set<string> | undefined;
  const qRoots = () => (roots ??= rootSet(question));
  if (!isSentence(a, qRoots)) {
    if (words <= maxWords || listItems(a)) return { ok: true, answer: a, answer_type: answerType };
    return { ok: false, code: "answer_too_long", detail: `answer has ${words} words (limit ${maxWords}) and is not a short list` };
  }
  const core = sentenceCore(question, a, qRoots());
  if (core && !placeholder(core) && !isSentence(core, qRoots) && (countWords(core) <= Math.min(CORE_MAX_WORDS, maxWords) || listItems(core)))
    return { ok: true, answer: core.replace(/\.$/u, ""), answer_type: answerType, reducedFrom: a };
  if (words > maxWords) return { ok: false, code: "answer_too_long", detail: `answer is a ${words}-word sentence with no short core (limit ${maxWords})` };
  return { ok: false, code: "sentence_answer", detail: `answer is a sentence with no short core: "${a.slice(0, 60)}"` };
}
