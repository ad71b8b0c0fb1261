/**
 * Finds the final answer in a policy's output. The policy prompt (src/policy-format.ts) asks for
 * `<answer>…</answer>` on the last line; other common forms follow. Reasoning is never the
 * answer: `<think>…</think>` blocks are dropped first, and a number mentioned while thinking
 * never counts. docs/reward.md lists the forms in order.
 */
import { ANSWER_CLOSE, ANSWER_OPEN } from "../policy-format.js";

export type ExtractionForm = "answer_tag" | "boxed" | "final_answer_line" | "answer_line" | "last_line" | "empty";

export interface Extraction {
  text: string;
  form: ExtractionForm;
}

// A marker at the start of any line, or anywhere in the last paragraph ("… in 2007. Final answer: 2007").
const FINAL_MARKER = /(?:^|\n)[ \t>*#_-]*(?:\*\*)?final\s+answer(?:\*\*)?\s*(?:is)?\s*[:：]?\s*(?:\*\*)?[ \t]*([^\n]*)/gi;
const ANSWER_MARKER = /(?:^|\n)[ \t>*#_-]*(?:\*\*)?(?:the\s+)?answer(?:\*\*)?\s*(?:is\s*[:：]?|[:：])\s*(?:\*\*)?[ \t]*([^\n]*)/gi;
const INLINE_FINAL = /\bfinal\s+answer(?:\*\*)?\s*(?:is)?\s*[:：]?\s*(?:\*\*)?[ \t]*([^\n]*)/gi;
const INLINE_ANSWER = /(?<!final\s{1,3}(?:\*\*)?)\b(?:the\s+answer\s+is\s*[:：]?|answer\s*[:：])\s*(?:\*\*)?[ \t]*([^\n]*)/gi;
// Lines that are only closing chatter, skipped when falling back to the last line.
const CHATTER = /^(?:<\/?\w+>|```|\*+|-+|=+)$/;
const THINK_BLOCK = /<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi;

/** The output without its reasoning blocks; an unclosed one runs to the end, a lone closing tag ends one. */
export function stripThinking(text: string): string {
  // indexOf is a fast scan where a regex over a long response is not: most responses have no block.
  if (text.indexOf("think>") < 0 && text.indexOf("thinking>") < 0 && text.indexOf("reasoning>") < 0 && text.indexOf("Think>") < 0 && text.indexOf("THINK>") < 0) return text;
  let t = text.replace(THINK_BLOCK, "\n");
  // The opening tag may sit in the prompt (chat templates that open <think> for the model).
  const close = /<\/(?:think|thinking|reasoning)>/gi;
  let lastClose = -1;
  for (let m = close.exec(t); m; m = close.exec(t)) lastClose = m.index + m[0].length;
  if (lastClose >= 0) t = t.slice(lastClose);
  const open = /<(?:think|thinking|reasoning)>/i.exec(t);
  if (open) t = t.slice(0, open.index);
  return t;
}

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

interface Found {
  at: number;
  text: string;
  final: boolean;
}

function matches(re: RegExp, s: string, offset: number, final: boolean, out: Found[]): void {
  re.lastIndex = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m[1] !== undefined && m[1].trim() !== "") out.push({ at: offset + m.index, text: m[1], final });
    if (m[0] === "") re.lastIndex++;
  }
}

/** The last answer marker: at a line start anywhere, or inline in the last paragraph; the last one wins. */
function lastMarker(text: string): Found | null {
  const found: Found[] = [];
  matches(FINAL_MARKER, text, 0, true, found);
  matches(ANSWER_MARKER, text, 0, false, found);
  const trimmed = text.replace(/\s+$/, "");
  const para = Math.max(trimmed.lastIndexOf("\n\n"), trimmed.lastIndexOf("\n \n")) + 1;
  const last = trimmed.slice(para);
  matches(INLINE_FINAL, last, para, true, found);
  matches(INLINE_ANSWER, last, para, false, found);
  let best: Found | null = null;
  for (const f of found) if (!best || f.at > best.at) best = f;
  return best;
}

const QUOTES = `"“”'‘’`;

/** Tidies an extracted answer: LaTeX text wrappers, markdown emphasis, trailing period, quotes. */
export function cleanAnswer(s: string): string {
  let t = s.trim();
  // Each rewrite only when its character is there: this runs on every scored response.
  if (t.includes("\\")) {
    t = t.replace(/\\(?:text|textbf|mathrm|mbox)\{([^{}]*)\}/g, "$1").replace(/\\[,;!]/g, " ").replace(/\\%/g, "%").replace(/\\\$/g, "$");
    t = t.replace(/^\\\(([\s\S]+)\\\)$/, "$1");
  }
  // "$x^2$" is LaTeX math; "$0.42" is money: only a pair of dollar signs is a delimiter.
  if (t.startsWith("$")) t = t.replace(/^\$\$([\s\S]+)\$\$$/, "$1").replace(/^\$([^$]+)\$$/, "$1");
  if (t.startsWith("*")) t = t.replace(/^\*\*(.*)\*\*$/s, "$1").replace(/^\*(.*)\*$/s, "$1");
  if (QUOTES.includes(t[0] ?? "") || QUOTES.includes(t[t.length - 1] ?? "")) t = t.replace(/^["“”'‘’]+|["“”'‘’]+$/g, "").trim();
  if (/[^.]\.$/.test(t) && !/\b[A-Za-z]\.$/.test(t)) t = t.slice(0, -1); // a sentence's period, not "D.C."
  return t.trim();
}

// Abbreviations whose period does not end a sentence ("St. Louis", "Dr. Smith").
const ABBREVIATION = /(?:^|\s)(?:st|dr|mr|mrs|ms|jr|sr|mt|ft|vs|etc|no|inc|ltd|co|corp|approx|ca|gen|col|lt|sgt|prof|rev|u\.s|e\.g|i\.e)\.$/i;

/** What follows a marker up to the end of its sentence: "2007. It was the year…" -> "2007". */
function firstSentence(s: string): string {
  const re = /[.!?](?=\s+[A-Z"“(])/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const head = s.slice(0, m.index + 1);
    // "D.C. Is…": a single capital before the period is an initial; "St. Louis" an abbreviation.
    if (/\b[A-Za-z]\.$/.test(head) || ABBREVIATION.test(head) || /\d\.$/.test(head) && /\d$/.test(s.slice(m.index + 1).trimStart().slice(0, 1))) continue;
    return head;
  }
  return s;
}

export function extractAnswer(response: string): Extraction {
  const text = stripThinking(response ?? "");
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
  const marker = lastMarker(text);
  if (marker !== null) return finish(firstSentence(stripLeadIn(marker.text)), marker.final ? "final_answer_line" : "answer_line");
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
