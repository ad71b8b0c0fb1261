/**
 * Near-duplicate questions for short texts (10–40 words). MinHash on word 3-shingles cannot
 * see a paraphrase of a short question: adding "individual … in total" breaks most of its
 * few shingles. Here a question is the set of its content words (function words dropped,
 * inflections folded, number words as digits), and two questions are compared by the
 * Jaccard similarity of those sets, so a few added or changed words move it a little.
 *
 * Numbers are what make two template questions different ("… 25 rows …" vs "… 30 rows …"):
 * questions whose numbers differ are never near-duplicates.
 *
 * Two thresholds, because a changed word can be a synonym ("counted"/"recorded") or a new
 * question ("Celsius"/"Fahrenheit"), and only the answer tells which:
 * - questions at SAME_QUESTION or more are duplicates whatever their answers (two answers to
 *   one question contradict each other in training);
 * - questions at SAME_ANSWER or more are duplicates when their answers agree (answerKey).
 * Measured on the labelled quality set (bench/quality.ts, docs/curation.md).
 */
import { foldedWords, root, wordSpans } from "./text.js";

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
  /** Content-word roots and number values, deduplicated. */
  words: string[];
  /** The numbers alone, sorted: questions whose numbers differ are different questions. */
  numbers: string[];
}

/** The features the similarity compares (also what curation hashes into MinHash signatures). */
export function questionFeatures(text: string): QuestionFeatures {
  const words = new Set<string>();
  const numbers: string[] = [];
  // "40-tooth" is "40" and "tooth"; "one" is a stop word ("which one") unless written as a digit.
  const add = (word: string) => {
    const c = word.charCodeAt(0);
    const asNumber = (c >= 48 && c <= 57) || c === 45 || c === 8722 ? (IS_NUMBER.test(word) ? numberToken(word) : undefined) : word !== "one" ? NUMBER_WORDS[word] : undefined;
    if (asNumber !== undefined) {
      if (!words.has(`#${asNumber}`)) numbers.push(asNumber);
      words.add(`#${asNumber}`);
    } else if (word && !STOP.has(word)) words.add(root(word));
  };
  for (const word of foldedWords(text)) {
    if (word.includes("-") || word.includes("–")) for (const part of word.split(/[-–]/u)) add(part);
    else add(word);
  }
  // Operators tell "7 // 2" from "7 / 2" and "x + 1" from "x - 1".
  for (const op of text.match(OPERATORS) ?? []) words.add(`$${op}`);
  return { words: [...words], numbers: numbers.sort() };
}

const sameNumbers = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Jaccard similarity of two feature sets (0 when their numbers differ). */
export function featureSimilarity(a: QuestionFeatures, b: QuestionFeatures): number {
  if (!sameNumbers(a.numbers, b.numbers)) return 0;
  if (a.words.length === 0 && b.words.length === 0) return 1;
  const set = new Set(a.words);
  let shared = 0;
  for (const w of b.words) if (set.has(w)) shared++;
  return shared / (a.words.length + b.words.length - shared);
}

/** Similarity of two questions in [0, 1]: Jaccard of content words, 0 when their numbers differ. */
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
