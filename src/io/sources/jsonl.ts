/**
 * JSON Lines reader (.jsonl/.json/.ndjson, plain, .gz or .zst): one document per line,
 * streamed. Bad lines become input rejections with their line number; a read or
 * decompression failure ends this file with one `input.unreadable_file` rejection.
 */
import type { Compression } from "./formats.js";
import { fileChunks, type ByteSource } from "./byte-stream.js";
import { splitLines } from "./lines.js";
import { inputRejection, readFailure, recordToItem, type FieldOptions, type SourceItem } from "./record-fields.js";
import { errorDetail } from "./errors.js";

export interface LineRange {
  /** 1-based, inclusive. */
  fromLine?: number;
  /** 1-based, exclusive. */
  toLine?: number;
  /** Byte offset where line `fromLine` starts, in an uncompressed file: reading begins there instead of at the file's start. */
  fromByte?: number;
}

/** `file` labels the documents (`source.file`); `bytes` is where they are read from (default: that path). */
export async function* readJsonl(file: string, compression: Compression, range: LineRange, opts: FieldOptions, bytes: ByteSource = file): AsyncGenerator<SourceItem> {
  const from = range.fromLine ?? 1;
  const to = range.toLine ?? Infinity;
  let reached = 0;
  try {
    const skip = range.fromByte !== undefined && compression === "none" ? { byte: range.fromByte, lines: from - 1 } : { byte: 0, lines: 0 };
    batches: for await (const batch of splitLines(fileChunks(bytes, compression, skip.byte), skip.lines)) {
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
    yield readFailure(err, reached > 0 ? { file, line: reached } : { file }, reached > 0 ? ` (after line ${reached})` : "");
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
