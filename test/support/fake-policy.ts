/**
 * A fake policy for the fake OpenAI server: it answers known questions right with a set
 * probability, so that rollouts have pass rates a test can plan exactly.
 *
 * Which draws are right is fixed by the draw's number (the request's seed + the choice's
 * index, as vLLM seeds the choices of a request with `n`): draw d is right when
 * ⌊(d+1)·p⌋ > ⌊d·p⌋. Any K consecutive draws then hold ⌊K·p⌋ or ⌈K·p⌉ right ones, and draws
 * 0 … K−1 exactly ⌊K·p⌋ (p = 3/8 gives 3 of 8, 0.1 one of 10), however they are split into
 * requests. A draw without a seed counts as draw 0 + its choice index.
 */
import { ANSWER_CLOSE, ANSWER_OPEN } from "../../src/policy-format.js";

export interface PolicyAnswer {
  /** What a right draw answers. */
  answer: string;
  /** The share of draws that are right, in [0, 1]. */
  p: number;
  /** What a wrong draw answers (default: WRONG_ANSWER, which no rule matches to a real answer). */
  wrong?: string;
  /**
   * An answer the reward's rules cannot decide (e.g. another name for the same thing): the
   * 1st, (1+k)th, (1+2k)th … wrong draw answers it instead of `wrong`, k = `undecidedEvery`
   * (of draws 0 … K−1 with W wrong ones, ⌈W/k⌉ do).
   */
  undecidedAnswer?: string;
  undecidedEvery?: number;
  /** The reasoning each draw writes before its answer (default one short line): sets how long samples are. */
  reasoning?: string;
}

/** Finds the known question in a request's user text; undefined = not a question it knows. */
export type PolicyModel = (userText: string) => PolicyAnswer | undefined;

export const WRONG_ANSWER = "-987654321";

const EPS = 1e-9;

/** Is draw `d` right for probability `p`? */
export function drawIsRight(p: number, d: number): boolean {
  return Math.floor((d + 1) * p + EPS) > Math.floor(d * p + EPS);
}

/** The text of draw `d`: some reasoning, then the answer between the policy prompt's tags. */
export function policyReply(a: PolicyAnswer, d: number): string {
  const reasoning = a.reasoning ?? "Working through it step by step.";
  if (drawIsRight(a.p, d)) return `${reasoning}\nSo the result follows.\n${ANSWER_OPEN}${a.answer}${ANSWER_CLOSE}`;
  // Draws 0 … d−1 hold ⌊d·p⌋ right ones: this is wrong draw number d − ⌊d·p⌋.
  const wrongIndex = d - Math.floor(d * a.p + EPS);
  const answer = a.undecidedAnswer !== undefined && a.undecidedEvery && wrongIndex % a.undecidedEvery === 0 ? a.undecidedAnswer : (a.wrong ?? WRONG_ANSWER);
  return `${reasoning}\nI am not sure.\n${ANSWER_OPEN}${answer}${ANSWER_CLOSE}`;
}

/**
 * A policy that knows these questions: each is found in the request's text (the policy prompt
 * wraps the question in its template). Longer questions are tried first, so that a question
 * contained in another is not mistaken for it.
 */
export function policyFor(known: Iterable<{ question: string } & PolicyAnswer>): PolicyModel {
  const list = [...known].sort((a, b) => b.question.length - a.question.length);
  const exact = new Map(list.map((k) => [k.question, k]));
  return (text) => {
    // The default template puts the question first, then a blank line: try that before scanning.
    const head = text.split("\n\n")[0]!;
    const hit = exact.get(head) ?? list.find((k) => text.includes(k.question));
    return hit;
  };
}
