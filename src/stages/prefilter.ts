/**
 * Stage 0, no model. The paper's rule (drop documents under 50 tokens) plus cheap quality
 * heuristics, each with its own reason code and switch (config `prefilter.rules`):
 * - symbol_ratio: over 30% of non-space characters are neither letters nor digits (markup, tables of symbols);
 * - repetition: over 40% of the lines (≥ 10 lines) are exact repeats (menus, footers, spam);
 * - short_lines: over 80% of the lines (≥ 10 lines) have fewer than 4 words (navigation, keyword lists);
 * - non_text: the text contains NUL/replacement characters or is mostly one unbroken token (binary, base64).
 */
import type { PrefilterConfig } from "../config/schema.js";
import type { Doc, Rejection } from "../records.js";
import { estimateTokens, isAsciiAlnum, isAsciiSpace, isSpace } from "../util/tokens.js";
import { rejectDoc } from "./outcome.js";

/** `tokens`: the document's estimate when the caller has it already (it is needed again for windowing). */
export function prefilter(doc: Doc, cfg: PrefilterConfig, tokens = estimateTokens(doc.text)): Rejection | null {
  if (tokens < cfg.minTokens) return rejectDoc(doc, "prefilter", "too_short", `${tokens} tokens < ${cfg.minTokens}`);
  const r = cfg.rules;
  if (!r.nonText && !r.symbolRatio && !r.repetition && !r.shortLines) return null;
  const shape = textShape(doc.text);
  if (r.nonText) {
    if (shape.badChars) return rejectDoc(doc, "prefilter", "non_text", "NUL or undecodable characters");
    if (shape.longestRun > 0.5 * doc.text.length && shape.longestRun > 200) return rejectDoc(doc, "prefilter", "non_text", "one unbroken token");
  }
  if (r.symbolRatio) {
    const ratio = shape.visible === 0 ? 0 : shape.symbols / shape.visible;
    if (ratio > 0.3) return rejectDoc(doc, "prefilter", "symbol_ratio", `${Math.round(100 * ratio)}% symbols`);
  }
  const lines = shape.lines.length;
  if (lines >= 10) {
    if (r.repetition) {
      const repeated = 1 - new Set(shape.lines).size / lines;
      if (repeated > 0.4) return rejectDoc(doc, "prefilter", "repetition", `${Math.round(100 * repeated)}% repeated lines`);
    }
    if (r.shortLines) {
      const short = shape.shortLines / lines;
      if (short > 0.8) return rejectDoc(doc, "prefilter", "short_lines", `${Math.round(100 * short)}% lines under 4 words`);
    }
  }
  return null;
}

export interface TextShape {
  /** NUL or U+FFFD (undecodable input) present. */
  badChars: boolean;
  /** Longest run of characters without space, tab or line break. */
  longestRun: number;
  /** Characters other than space, tab, CR, LF; and those of them that are ASCII non-alphanumerics. */
  visible: number;
  symbols: number;
  /** Every non-blank line, trimmed (slices of the text: V8 does not copy them). */
  lines: string[];
  /** Non-blank lines of fewer than 4 words. */
  shortLines: number;
}

/**
 * Everything the heuristics need, in one pass over char codes: the profile of the non-model
 * path had four separate scans, the line split with its trimmed copies, and a word split per
 * line at a fifth of all CPU.
 */
export function textShape(text: string): TextShape {
  let badChars = false;
  let longestRun = 0;
  let run = 0;
  let visible = 0;
  let symbols = 0;
  let shortLines = 0;
  const lines: string[] = [];
  let words = 0;
  let inWord = false;
  let first = -1; // first and one past the last non-space character of the current line
  let last = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 10;
    if (c === 10) {
      if (words > 0) {
        lines.push(text.slice(first, last));
        if (words < 4) shortLines++;
      }
      run = words = 0;
      inWord = false;
      first = -1;
      continue;
    }
    if (isAsciiSpace(c)) {
      run = 0;
      inWord = false;
      continue;
    }
    if (isSpace(c)) inWord = false;
    else {
      if (!inWord) (words++, (inWord = true));
      if (first < 0) first = i;
      last = i + 1;
    }
    if (++run > longestRun) longestRun = run;
    visible++;
    if (c < 128 && !isAsciiAlnum(c)) symbols++;
    if (c === 0 || c === 0xfffd) badChars = true;
  }
  return { badChars, longestRun, visible, symbols, lines, shortLines };
}
