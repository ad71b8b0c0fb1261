/**
 * Batch input and output lines: stable custom_ids, JSONL input files split under the
 * provider's limits, and parsing of output/error file lines.
 */
import { sha256Hex } from "../util/hash.js";

/** OpenAI's limits per batch input file. */
export const MAX_REQUESTS_PER_FILE = 50_000;
export const MAX_BYTES_PER_FILE = 200 * 1024 * 1024;

export const BATCH_URL = "/v1/chat/completions";

/**
 * A request's id: a hash of its stage and full body (model, messages, schema, sampling), so
 * a resumed run computes the same id for the same request and can find it in a saved batch.
 */
export function customIdOf(stage: string, body: unknown): string {
  return `wsrl-${sha256Hex(`${stage}\u0000${JSON.stringify(body)}`).slice(0, 32)}`;
}

/** One line of a batch input file. */
export function inputLine(customId: string, body: unknown): string {
  return JSON.stringify({ custom_id: customId, method: "POST", url: BATCH_URL, body });
}

/**
 * Groups lines (in order) into files of at most `maxRequests` lines and `maxBytes` bytes
 * (newlines included). A single line over `maxBytes` gets a file of its own: the provider
 * will reject it, and that error reaches only its request.
 */
export function splitIntoFiles<T extends { text: string }>(items: T[], maxRequests: number, maxBytes: number): T[][] {
  const files: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(item.text) + 1;
    if (current.length > 0 && (current.length >= maxRequests || bytes + size > maxBytes)) {
      files.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) files.push(current);
  return files;
}

/** One line of a batch output or error file (OpenAI's format). */
export interface ResultLine {
  custom_id: string;
  response: { status_code: number; body: any } | null;
  error: { code?: string; message?: string } | null;
}

/** Parses an output/error file: custom_id → line. Unparseable lines are reported, not fatal. */
export function parseResults(text: string, onBad: (line: number, message: string) => void = () => {}): Map<string, ResultLine> {
  const out = new Map<string, ResultLine>();
  text.split("\n").forEach((raw, i) => {
    if (!raw.trim()) return;
    try {
      const v = JSON.parse(raw) as Partial<ResultLine>;
      if (typeof v.custom_id !== "string") return onBad(i + 1, "no custom_id");
      out.set(v.custom_id, { custom_id: v.custom_id, response: v.response ?? null, error: v.error ?? null });
    } catch {
      onBad(i + 1, "not JSON");
    }
  });
  return out;
}

/** A stand-in result for a request that a batch did not run (failed, expired, cancelled, lost). */
export function lostResult(customId: string, code: string, message: string): ResultLine {
  return { custom_id: customId, response: null, error: { code, message } };
}
