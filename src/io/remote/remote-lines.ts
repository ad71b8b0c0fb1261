/**
 * The lines of remote JSONL files (plain, .gz or .zst) with their location, for commands
 * that read JSON Lines of their own (curate's QA files): the same streaming, range reads and
 * retries as the run's readers, and the shape of run-dir.ts's `jsonlLines`.
 */
import { fileChunks } from "../sources/byte-stream.js";
import { formatOf } from "../sources/formats.js";
import { splitLines } from "../sources/lines.js";
import type { InputSpec } from "../sources/index.js";
import type { JsonlLine } from "../run-dir.js";
import type { RemoteIO } from "./remote-io.js";

export async function* remoteJsonlLines(specs: InputSpec[], io: RemoteIO): AsyncGenerator<JsonlLine> {
  for (const spec of specs) {
    const obj = spec.pin ?? (await io.stat(spec.path));
    const compression = formatOf(obj.url)?.compression ?? "none";
    for await (const batch of splitLines(fileChunks({ io, obj }, compression))) {
      for (const { line, text } of batch) if (text.trim() !== "") yield { file: obj.url, line, text };
    }
  }
}
