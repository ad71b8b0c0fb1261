/**
 * Near-duplicate questions for short texts (10–40 words). MinHash on word 3-shingles cannot
 * see a paraphrase of a short question: adding "individual … in total" breaks most of its
 * few shingles. Here a question is the set of its content words (function words dropped,
 * inflections folded, number words as digits), and two questions are compared by the
 * Jaccard similarity of those sets, so a few added or changed words move it a little.
 *
 * Numbers and names are what make two template questions different ("… 25 rows …" vs "… 30
 * rows …", "the capital of Portugal" vs "… of Spain"): questions whose numbers differ, or whose
 * names (capitalised words inside a sentence) differ by more than one, are never
 * near-duplicates. A paraphrase keeps both; it may add a first name ("Darwin" → "Charles
 * Darwin"). Text without case (all upper or all lower case) has no names to compare.
 *
 * Two thresholds, because a changed word can be a synonym ("counted"/"recorded") or a new
 * question ("Celsius"/"Fahrenheit"), and only the answer tells which:
 * - questions at SAME_QUESTION or more are duplicates whatever their answers (two answers to
 *   one question contradict each other in training);
 * - questions at SAME_ANSWER or more are duplicates when their answers agree (answerKey).
 * Measured on the labelled quality set (bench/quality.ts, docs/curation.md).
 */
import { foldWord, root, wordSpans } from "./text.js";

export const NEAR_DUP_SAME_QUESTION = 0.85;
export const NEAR_DUP_SAME_ANSWER = 0.6;

const STOP = new Set(
  ("a an the of in on at to for by with from into onto about as than then and or nor but if so because while when where which who whom whose what how why " +
    "is are was were be been being am do does did doing done has have had having will would shall should can could may might must " +
    "it its this that these those there here they them their he him his she her we us our you your i me my one ones " +
    "many much more most some any each every all both either neither other another such same own " +
    "very also just only even still yet not no ever again already " +
    "s t d ll re ve m whats").split(" "),
);
const NUMBER_WORDS: Record<string, string> = {
  zero: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8", nine: "9", ten: "10",
  eleven: "11", twelve: "12", thirteen: "13", fourteen: "14", fifteen: "15", sixteen: "16", seventeen: "17", eighteen: "18",
  nineteen: "19", twenty: "20", thirty: "30", forty: "40", fifty: "50", hundred: "100", thousand: "1000", dozen: "12",
};
const IS_NUMBER = /^[-−]?\d[\d.,/]*%?$/u;
/** Operators between operands ("//", "/", "+", "**", "==", "<=", a minus between numbers, a factorial "5!"): not prose punctuation. */
const OPERATORS = /(?<=[\s\p{N})])[-−](?=[\s\p{N}(])|(?<=\p{N})!|(?<=[\s\p{L}\p{N})])(?:\/\/|\*\*|==|!=|<=|>=|&&|\|\||[+*/^=<>]|[×÷≤≥≠])(?=[\s\p{L}\p{N}(])/gu;

/** A number token as a value: "1,200" and "1200" meet; "3.50" and "3.5" meet. */
function numberToken(w: string): string {
  const plain = w.replace(/,/g, "").replace("−", "-").replace(/%$/u, "");
  const n = Number(plain);
  return Number.isFinite(n) ? String(n) : plain;
}

export interface QuestionFeatures {
  /** Content-word roots ("@" before a name's), number values ("#") and operators ("$"), deduplicated. */
  words: string[];
  /** The numbers alone, sorted: questions whose numbers differ are different questions. */
  numbers: string[];
  /** Whether the text has case, so that `@` names mean something. */
  caseKnown: boolean;
}

/** Names one question may have that the other lacks (a first name added to a surname). */
export const MAX_NAME_CHANGES = 1;
/** A word like those joined by text.ts, on the original casing. */
const WORD = /[\p{L}\p{N}]+(?:['’\-–.,/][\p{L}\p{N}]+)*%?/gu;
const NON_ASCII = /[^\x00-\x7f]/u;

/** The features the similarity compares (also what curation hashes into MinHash signatures). */
export function questionFeatures(text: string): QuestionFeatures {
  const t = NON_ASCII.test(text) ? text.normalize("NFKC") : text;
  const upper = t.match(/\p{Lu}/gu)?.length ?? 0;
  const lower = t.match(/\p{Ll}/gu)?.length ?? 0;
  const caseKnown = upper > 0 && lower > 0 && upper < lower;
  const words = new Set<string>();
  const numbers: string[] = [];
  // "40-tooth" is "40" and "tooth"; "one" is a stop word ("which one") unless written as a digit.
  const add = (word: string, name: boolean) => {
    const c = word.charCodeAt(0);
    const asNumber = (c >= 48 && c <= 57) || c === 45 || c === 8722 ? (IS_NUMBER.test(word) ? numberToken(word) : undefined) : word !== "one" ? NUMBER_WORDS[word] : undefined;
    if (asNumber !== undefined) {
      if (!words.has(`#${asNumber}`)) numbers.push(asNumber);
      words.add(`#${asNumber}`);
    } else if (name) words.add(`@${root(word)}`);
    else if (word && !STOP.has(word)) words.add(root(word));
  };
  let end = 0;
  let sentenceStart = true;
  for (const m of t.matchAll(WORD)) {
    // A word after . ? ! : ; starts a sentence; its capital says nothing.
    for (let k = end; k < m.index!; k++) {
      const ch = t.charCodeAt(k);
      if (ch === 46 || ch === 63 || ch === 33 || ch === 58 || ch === 59) sentenceStart = true;
    }
    end = m.index! + m[0].length;
    const raw = m[0];
    const first = raw.charCodeAt(0);
    const name = caseKnown && !sentenceStart && (first < 128 ? first >= 65 && first <= 90 : /^\p{Lu}/u.test(raw));
    sentenceStart = false;
    const word = raw.includes("'") || raw.includes("’") || first >= 128 ? foldWord(raw) : raw.toLowerCase();
    if (word.includes("-") || word.includes("–")) for (const part of word.split(/[-–]/u)) add(part, name && /^\p{L}/u.test(part));
    else add(word, name);
  }
  // Operators tell "7 // 2" from "7 / 2" and "x + 1" from "x - 1".
  for (const op of text.match(OPERATORS) ?? []) words.add(`$${op}`);
  return { words: [...words], numbers: numbers.sort(), caseKnown };
}

const sameNumbers = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Jaccard similarity of two feature sets (0 when their numbers differ). */
export function featureSimilarity(a: QuestionFeatures, b: QuestionFeatures): number {
  if (!sameNumbers(a.numbers, b.numbers)) return 0;
  if (a.words.length === 0 && b.words.length === 0) return 1;
  const setA = new Set(a.words);
  const setB = new Set(b.words);
  let shared = 0;
  let nameChanges = 0;
  for (const w of b.words) {
    if (setA.has(w)) shared++;
    else if (w.startsWith("@")) nameChanges++;
  }
  for (const w of a.words) if (w.startsWith("@") && !setB.has(w)) nameChanges++;
  if (a.caseKnown && b.caseKnown && nameChanges > MAX_NAME_CHANGES) return 0;
  return shared / (a.words.length + b.words.length - shared);
}

/** Similarity of two questions in [0, 1]: Jaccard of content words, 0 when their numbers differ or their names do (by more than one). */
export function questionSimilarity(a: string, b: string): number {
  return featureSimilarity(questionFeatures(a), questionFeatures(b));
}

/**
 * What an answer says, for "do these answers agree": its first number's value when it has
 * one ("1,050 seats" and "1050" agree), else its words without articles ("the Danube" and
 * "Danube" agree).
 */
export function answerKey(answer: string): string {
  const words = wordSpans(answer).map((s) => s.word);
  const number = words.find((w) => IS_NUMBER.test(w));
  if (number !== undefined) return `#${numberToken(number)}`;
  return words.filter((w) => w !== "the" && w !== "a" && w !== "an").join(" ");
}

export interface QaText {
  question: string;
  answer: string;
}

/** The similarity of two pairs' questions and whether the pairs are near-duplicates. */
export function nearDuplicate(a: QaText, b: QaText): { similarity: number; duplicate: boolean } {
  const similarity = questionSimilarity(a.question, b.question);
  const duplicate = similarity >= NEAR_DUP_SAME_QUESTION || (similarity >= NEAR_DUP_SAME_ANSWER && answerKey(a.answer) === answerKey(b.answer));
  return { similarity, duplicate };
}
