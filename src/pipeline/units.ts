/**
 * From source documents to the units the stages process: long documents are split into
 * windows of at most --max-doc-tokens (or truncated to the first window), never sent whole
 * to overflow a model's context. Each unit has a position key for the resume ledger.
 */
import type { Doc } from "../records.js";
import { fnv1a32 } from "../util/hash.js";
import { estimateTokens, splitByTokens } from "../util/tokens.js";

/** Position-based key: stable across reruns on the same inputs, and distinct even when a corpus repeats ids. */
export function unitKey(doc: Pick<Doc, "source">, window?: number): string {
  const s = doc.source;
  return `${fnv1a32(s.file).toString(36)}:${s.line ?? s.row ?? s.record ?? ""}${window === undefined ? "" : "#" + window}`;
}

export function toUnits(doc: Doc, maxTokens: number, overflow: "split" | "truncate", tokens = estimateTokens(doc.text)): Doc[] {
  if (tokens <= maxTokens) return [doc];
  const windows = splitByTokens(doc.text, maxTokens, tokens);
  if (overflow === "truncate") return [{ ...doc, text: windows[0]! }];
  return windows.map((text, index) => ({
    id: `${doc.id}#w${index}`,
    text,
    source: { ...doc.source, window: { index, count: windows.length } },
  }));
}
