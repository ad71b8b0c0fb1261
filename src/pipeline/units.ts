/**
 * From source documents to the units the stages process: long documents are split into
 * windows of at most --max-doc-tokens (or truncated to the first window), never sent whole
 * to overflow a model's context, and at most --max-windows of them per document: one huge
 * record (a 60 MB line) must not turn into thousands of requests. Each unit has a position key
 * for the resume ledger.
 */
import type { Doc, Rejection } from "../records.js";
import { fnv1a32 } from "../util/hash.js";
import { estimateTokens, splitByTokens } from "../util/tokens.js";

/** Position-based key: stable across reruns on the same inputs, and distinct even when a corpus repeats ids. */
export function unitKey(doc: Pick<Doc, "source">, window?: number): string {
  const s = doc.source;
  return `${fnv1a32(s.file).toString(36)}:${s.line ?? s.row ?? s.record ?? ""}${window === undefined ? "" : "#" + window}`;
}

export function toUnits(doc: Doc, maxTokens: number, overflow: "split" | "truncate", tokens = estimateTokens(doc.text)): Doc[] {
  return windowsOf(doc, maxTokens, overflow, Infinity, tokens).units;
}

export interface Windows {
  units: Doc[];
  /** The part beyond --max-windows, as one counted rejection (its own unit in the ledger). */
  rest?: Rejection;
}

/**
 * The document's windows, at most `maxWindows`; what lies beyond them becomes one rejection
 * (`prefilter.too_many_windows`). Only the text the kept windows need is split, so a huge
 * record costs no more than its first windows.
 */
export function windowsOf(doc: Doc, maxTokens: number, overflow: "split" | "truncate", maxWindows: number, tokens = estimateTokens(doc.text)): Windows {
  if (tokens <= maxTokens) return { units: [doc] };
  const keep = overflow === "truncate" ? 1 : maxWindows;
  const total = Math.ceil(tokens / maxTokens);
  let text = doc.text;
  let textTokens = tokens;
  if (total > keep + 1) {
    // Enough text for the kept windows and one more, with room for the estimate's unevenness.
    const chars = Math.min(text.length, Math.ceil((text.length * (keep + 1) * maxTokens * 1.5) / tokens));
    text = text.slice(0, chars);
    textTokens = estimateTokens(text);
  }
  const windows = splitByTokens(text, maxTokens, textTokens);
  if (overflow === "truncate") return { units: [{ ...doc, text: windows[0]! }] };
  const count = Math.min(windows.length, keep);
  const cut = windows.length > keep || text.length < doc.text.length;
  const units = windows.slice(0, count).map((w, index) => ({
    id: `${doc.id}#w${index}`,
    text: w,
    source: { ...doc.source, window: { index, count } },
  }));
  if (!cut) return { units };
  const rest: Rejection = {
    kind: "document",
    stage: "prefilter",
    reason: "prefilter.too_many_windows",
    detail: `about ${total} windows of ${maxTokens} tokens; the first ${keep} were used (--max-windows ${keep}), the rest is left out`,
    doc_id: doc.id,
    // The windows from `keep` on, of about `total`.
    source: { ...doc.source, window: { index: keep, count: Math.max(total, keep + 1) } },
  };
  return { units, rest };
}
