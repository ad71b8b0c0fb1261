/**
 * Yes/no answers: "yes", "true", "correct" are one answer and "no", "false", "incorrect" the
 * other. A reply may go on after the word ("Yes, because …"), but a qualified or two-sided one
 * ("Yes, but only in winter", "yes and no") is not read as either.
 */
import { foldText } from "./normalize.js";

const PHRASES: Array<[string, boolean]> = [
  ["yes", true], ["true", true], ["correct", true], ["right", true], ["affirmative", true], ["yep", true], ["yeah", true],
  ["absolutely", true], ["definitely", true], ["certainly", true], ["indeed", true], ["of course", true],
  ["no", false], ["false", false], ["incorrect", false], ["wrong", false], ["nope", false], ["not at all", false],
  ["not true", false], ["not correct", false], ["definitely not", false], ["certainly not", false], ["absolutely not", false],
  ["of course not", false], ["not really", false],
].sort((a, b) => (b[0] as string).length - (a[0] as string).length) as Array<[string, boolean]>;

// Only "yes" and "no" may run on without punctuation ("yes it is"); "right atrium" is no yes.
const RUN_ON = new Set(["yes", "no"]);
const QUALIFIERS = /\b(?:but|however|although|though|except|partly|partially|sometimes|depends|unless|only if|not always|not necessarily|maybe|perhaps|possibly|both|yes|no|true|false)\b/;
// A restatement that agrees with the word: "No, it is not", "Yes, it does".
const RESTATEMENT = /^(?:it|that|this|they|he|she|there|you|we)\s+(?:is|was|are|were|does|did|do|can|could|will|would|has|have|had|should)(?:\s*n[o']?t)?\b/;

const FIRST_WORDS = new Set(PHRASES.map(([p]) => p.split(" ")[0]));
const FIRST_LETTERS = new Set(PHRASES.map(([p]) => p[0]));

/** A cheap first test: the answer starts with a letter some yes/no phrase starts with. */
export function mayBeBoolean(raw: string): boolean {
  return FIRST_LETTERS.has((raw.trimStart()[0] ?? "").toLowerCase());
}

/** true / false for a yes-no answer, null for anything else. */
export function parseBoolean(raw: string): boolean | null {
  if (!mayBeBoolean(raw)) return null;
  const s = foldText(raw).replace(/\s+/g, " ").trim().replace(/[.!]+$/, "");
  if (s.length > 200 || !FIRST_WORDS.has(/^[a-z]*/.exec(s)![0])) return null;
  for (const [phrase, value] of PHRASES) {
    if (s === phrase) return value;
    if (!s.startsWith(phrase)) continue;
    const next = s.slice(phrase.length);
    if (!/^[,;:—–-]/.test(next) && !(RUN_ON.has(phrase) && /^\s/.test(next))) continue;
    const rest = next.replace(/^[\s,;:—–-]+/, "").replace(RESTATEMENT, "").replace(/^not at all\b/, "");
    return QUALIFIERS.test(rest) ? null : value;
  }
  return null;
}
