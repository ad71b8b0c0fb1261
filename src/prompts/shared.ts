/**
 * The layout every call shares: the run's handbook (system message, the same for every
 * document), then the document, then a short task line. Every call on a document therefore
 * starts with the same tokens, and an inference server's prefix cache (vLLM automatic prefix
 * caching, hosted prompt caching) prefills the handbook once per run and the document once
 * across filter, classify, write and verify. Nothing call-specific may come before the document.
 */
import type { ChatMessage } from "../llm/types.js";
import type { Doc } from "../records.js";

/** The document block: the fake test server and the efficiency benchmarks rely on these markers. */
export function documentBlock(doc: Pick<Doc, "text">): string {
  return `<document>\n${doc.text}\n</document>\n\n`;
}

export function documentMessages(system: string, doc: Pick<Doc, "text">, task: string): ChatMessage[] {
  return [
    { role: "system", content: system },
    { role: "user", content: documentBlock(doc) + task },
  ];
}
