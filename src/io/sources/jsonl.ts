/**
 * JSON Lines reader (.jsonl/.json/.ndjson, plain, .gz or .zst): one document per line,
 * streamed. Bad lines become input rejections with their line number; a read or
 * decompression failure ends this file with one `input.unreadable_file` rejection.
 */
import type { Compression } from "./formats.js";
import { fileChunks } from "./byte-stream.js";
import { splitLines } from "./lines.js";
import { inputRejection, readFailure, recordToItem, type FieldOptions, type SourceItem } from "./record-fields.js";
import { errorDetail } from "./errors.js";

export interface LineRange {
  /** 1-based, inclusive. */
  fromLine?: number;
  /** 1-based, exclusive. */
  toLine?: number;
}

export async function* readJsonl(file: string, compression: Compression, range: LineRange, opts: FieldOptions): AsyncGenerator<SourceItem> {
  const from = range.fromLine ?? 1;
  const to = range.toLine ?? Infinity;
  let reached = 0;
  try {
    batches: for await (const batch of splitLines(fileChunks(file, compression))) {
      for (const { line, text } of batch) {
        reached = line;
        if (line < from) continue;
        if (line >= to) break batches;
        if (isBlank(text)) continue;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (err) {
          yield inputRejection("malformed_json", { file, line }, errorDetail(err));
          continue;
        }
        yield recordToItem(value, { file, line }, opts);
      }
    }
  } catch (err) {
    const detail = errorDetail(err) + (reached > 0 ? ` (after line ${reached})` : "");
    yield readFailure(reached > 0 ? { file, line: reached } : { file }, detail);
  }
}

/** Blank lines are not records; checked without a regex because this runs per line. */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 0xfeff) return false;
  }
  return true;
}
