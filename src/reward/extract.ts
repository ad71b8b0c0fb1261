/**
 * Finds the final answer in a policy's output. The policy prompt (src/policy-format.ts) asks for
 * `<answer>…</answer>` on the last line; other common forms follow. Reasoning before the final
 * answer is ignored, so a number mentioned while thinking never counts as the answer.
 */
import { ANSWER_CLOSE, ANSWER_OPEN } from "../policy-format.js";

export type ExtractionForm = "answer_tag" | "boxed" | "final_answer_line" | "answer_line" | "last_line" | "empty";

export interface Extraction {
  text: string;
  form: ExtractionForm;
}

const FINAL_ANSWER_LINE = /(?:^|\n)[ \t>*#_-]*(?:\*\*)?final\s+answer(?:\*\*)?\s*(?:is)?\s*[:：]?\s*(?:\*\*)?[ \t]*([^\n]*)/gi;
const ANSWER_LINE = /(?:^|\n)[ \t>*#_-]*(?:\*\*)?(?:the\s+)?answer(?:\*\*)?\s*(?:is\s*[:：]?|[:：])\s*(?:\*\*)?[ \t]*([^\n]*)/gi;
// Lines that are only closing chatter, skipped when falling back to the last line.
const CHATTER = /^(?:<\/?\w+>|```|\*+|-+|=+)$/;

/** The content of the LAST `\boxed{…}` (braces balanced), or null. */
function lastBoxed(s: string): string | null {
  const at = Math.max(s.lastIndexOf("\\boxed{"), s.lastIndexOf("\\fbox{"));
  if (at < 0) return null;
  let i = s.indexOf("{", at) + 1;
  const start = i;
  for (let depth = 1; i < s.length; i++) {
    const c = s[i];
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return s.slice(start, i);
  }
  return null;
}

function lastMatch(re: RegExp, s: string): string | null {
  let found: string | null = null;
  re.lastIndex = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m[1] !== undefined && m[1].trim() !== "") found = m[1];
    if (m[0] === "") re.lastIndex++;
  }
  return found;
}

/** Tidies an extracted answer: LaTeX text wrappers, markdown emphasis, trailing period, quotes. */
export function cleanAnswer(s: string): string {
  let t = s.trim();
  t = t.replace(/\\(?:text|textbf|mathrm|mbox)\{([^{}]*)\}/g, "$1").replace(/\\[,;!]/g, " ").replace(/\\%/g, "%").replace(/\\\$/g, "$");
  t = t.replace(/^\$+|\$+$/g, "").replace(/^\*\*(.*)\*\*$/s, "$1").replace(/^\*(.*)\*$/s, "$1");
  t = t.replace(/^["“”'‘’]+|["“”'‘’]+$/g, "").trim();
  if (/[^.]\.$/.test(t) && !/\b[A-Za-z]\.$/.test(t)) t = t.slice(0, -1); // a sentence's period, not "D.C."
  return t.trim();
}

export function extractAnswer(response: string): Extraction {
  const text = response ?? "";
  // 1. The project's own format: the last <answer>…</answer> pair (an unclosed last tag runs to the end).
  const open = text.lastIndexOf(ANSWER_OPEN);
  if (open >= 0) {
    const close = text.indexOf(ANSWER_CLOSE, open);
    const inner = text.slice(open + ANSWER_OPEN.length, close < 0 ? undefined : close);
    const innerBoxed = lastBoxed(inner);
    return finish(innerBoxed ?? inner, "answer_tag");
  }
  const boxed = lastBoxed(text);
  if (boxed !== null) return finish(boxed, "boxed");
  const finalLine = lastMatch(FINAL_ANSWER_LINE, text);
  if (finalLine !== null) return finish(stripLeadIn(finalLine), "final_answer_line");
  const answerLine = lastMatch(ANSWER_LINE, text);
  if (answerLine !== null) return finish(stripLeadIn(answerLine), "answer_line");
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !CHATTER.test(l));
  if (lines.length === 0) return { text: "", form: "empty" };
  return finish(stripLeadIn(lines[lines.length - 1]), "last_line");
}

/** "The answer is X" / "So, X" style lead-ins on a line that carries the answer. */
function stripLeadIn(s: string): string {
  return s.replace(/^(?:so|thus|therefore|hence)\s*,?\s*(?:the\s+(?:final\s+)?answer\s+is\s*:?)?\s*/i, "").replace(/^the\s+(?:final\s+)?answer\s+is\s*:?\s*/i, "");
}

function finish(raw: string, form: ExtractionForm): Extraction {
  const text = cleanAnswer(raw);
  return text === "" ? { text: "", form: "empty" } : { text, form };
}
