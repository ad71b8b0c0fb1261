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
import { estimateTokens } from "../util/tokens.js";
import { rejectDoc } from "./outcome.js";

/** `tokens`: the document's estimate when the caller has it already (it is needed again for windowing). */
export function prefilter(doc: Doc, cfg: PrefilterConfig, tokens = estimateTokens(doc.text)): Rejection | null {
  const text = doc.text;
  if (tokens < cfg.minTokens) return rejectDoc(doc, "prefilter", "too_short", `${tokens} tokens < ${cfg.minTokens}`);
  const r = cfg.rules;
  if (r.nonText) {
    if (/[\u0000\uFFFD]/.test(text)) return rejectDoc(doc, "prefilter", "non_text", "NUL or undecodable characters");
    const longest = longestRun(text);
    if (longest > 0.5 * text.length && longest > 200) return rejectDoc(doc, "prefilter", "non_text", "one unbroken token");
  }
  if (r.symbolRatio) {
    const ratio = symbolRatio(text);
    if (ratio > 0.3) return rejectDoc(doc, "prefilter", "symbol_ratio", `${Math.round(100 * ratio)}% symbols`);
  }
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  if (lines.length >= 10) {
    if (r.repetition) {
      const distinct = new Set(lines).size;
      const repeated = 1 - distinct / lines.length;
      if (repeated > 0.4) return rejectDoc(doc, "prefilter", "repetition", `${Math.round(100 * repeated)}% repeated lines`);
    }
    if (r.shortLines) {
      const short = lines.filter((l) => l.split(/\s+/).length < 4).length / lines.length;
      if (short > 0.8) return rejectDoc(doc, "prefilter", "short_lines", `${Math.round(100 * short)}% lines under 4 words`);
    }
  }
  return null;
}

/** Share of non-space characters that are not letters or digits; non-ASCII counts as letters (fast path, no regex per char). */
function symbolRatio(text: string): number {
  let symbols = 0;
  let total = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13) continue;
    total++;
    if (c < 128 && !((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) symbols++;
  }
  return total === 0 ? 0 : symbols / total;
}

/** Length of the longest run of non-whitespace characters, without splitting the text. */
function longestRun(text: string): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) run = 0;
    else if (++run > best) best = run;
  }
  return best;
}
