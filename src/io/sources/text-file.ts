/**
 * Plain text and Markdown (.txt/.md/.markdown, optionally .gz): the whole file is one
 * document. A document has to sit in memory anyway, but a file far larger than any
 * document is refused rather than loaded (`input.file_too_large`).
 */
import type { Compression } from "./formats.js";
import { fileChunks, type ByteSource } from "./byte-stream.js";
import { inputRejection, readFailure, type SourceItem } from "./record-fields.js";
import { shortHash } from "../../util/hash.js";

export const MAX_TEXT_FILE_BYTES = 256 * 1024 * 1024;

export async function* readTextFile(file: string, compression: Compression, bytes: ByteSource = file): AsyncGenerator<SourceItem> {
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of fileChunks(bytes, compression)) {
      total += chunk.length;
      if (total > MAX_TEXT_FILE_BYTES) {
        yield inputRejection("file_too_large", { file }, `more than ${MAX_TEXT_FILE_BYTES} bytes for a single-document text file`);
        return;
      }
      parts.push(chunk);
    }
  } catch (err) {
    yield readFailure(err, { file });
    return;
  }
  const text = Buffer.concat(parts, total).toString("utf8").replace(/^\uFEFF/, "");
  if (text.trim() === "") {
    yield inputRejection("empty_text", { file }, "the file holds no text");
    return;
  }
  yield { kind: "doc", doc: { id: "h:" + shortHash(text), text, source: { file } } };
}
