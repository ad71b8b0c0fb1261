/**
 * Splits input files into chunk jobs of about `chunkDocs` documents, streaming (a file is
 * never held in memory): JSONL by line ranges (records counted, blank lines skipped),
 * Parquet by row ranges aligned to row groups (a group bigger than a chunk is cut into equal
 * slices), a text file as one chunk (it is one document). A chunk's id is a hash of the
 * output directory, the file and the range, so submitting the same inputs twice gives the
 * same ids and BullMQ adds each job once.
 */
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet";
import type { InputSpec } from "../io/sources/index.js";
import { formatOf } from "../io/sources/formats.js";
import { fileChunks } from "../io/sources/byte-stream.js";
import { splitLines } from "../io/sources/lines.js";
import { shortHash } from "../util/hash.js";

export interface Chunk {
  id: string;
  input: InputSpec;
  /** Documents (records) in the range, as counted at submit. */
  docs: number;
}

export function chunkId(out: string, input: InputSpec): string {
  const range = input.fromLine !== undefined ? `L${input.fromLine}-${input.toLine}` : input.fromRow !== undefined ? `R${input.fromRow}-${input.toRow}` : "all";
  return shortHash(out, input.path, range);
}

/** Chunks of one file, in file order. A file that cannot be read becomes one whole-file chunk (its worker records the error). */
export async function* chunkFile(out: string, path: string, chunkDocs: number, onProblem: (msg: string) => void = () => {}): AsyncGenerator<Chunk> {
  const info = formatOf(path);
  const make = (input: InputSpec, docs: number): Chunk => ({ id: chunkId(out, input), input, docs });
  try {
    if (info?.format === "jsonl") {
      const ranges: Chunk[] = [];
      for await (const c of jsonlRanges(path, info.compression, chunkDocs)) ranges.push(make(c.input, c.docs));
      yield* ranges;
      return;
    }
    if (info?.format === "parquet") {
      for (const c of await parquetRanges(path, chunkDocs)) yield make(c.input, c.docs);
      return;
    }
  } catch (err) {
    onProblem(`could not read ${path} to split it (${(err as Error).message}); queued as one whole-file chunk`);
  }
  yield make({ path }, 1);
}

async function* jsonlRanges(path: string, compression: NonNullable<ReturnType<typeof formatOf>>["compression"], chunkDocs: number) {
  let from = 1;
  let docs = 0;
  let last = 0;
  for await (const batch of splitLines(fileChunks(path, compression))) {
    for (const { line, text } of batch) {
      last = line;
      if (text.trim() === "") continue;
      docs++;
      if (docs === chunkDocs) {
        yield { input: { path, fromLine: from, toLine: line + 1 }, docs };
        from = line + 1;
        docs = 0;
      }
    }
  }
  if (docs > 0) yield { input: { path, fromLine: from, toLine: last + 1 }, docs };
}

async function parquetRanges(path: string, chunkDocs: number): Promise<{ input: InputSpec; docs: number }[]> {
  const meta = await parquetMetadataAsync(await asyncBufferFromFile(path));
  const out: { input: InputSpec; docs: number }[] = [];
  const push = (from: number, to: number) => out.push({ input: { path, fromRow: from, toRow: to }, docs: to - from });
  let pendingFrom = 0;
  let pos = 0;
  for (const group of meta.row_groups) {
    const n = Number(group.num_rows);
    if (n > chunkDocs) {
      // A big row group: cut it into equal slices (each slice decodes the group's pages it needs).
      if (pos > pendingFrom) push(pendingFrom, pos);
      const slices = Math.ceil(n / chunkDocs);
      for (let i = 0; i < slices; i++) push(pos + Math.floor((i * n) / slices), pos + Math.floor(((i + 1) * n) / slices));
      pos += n;
      pendingFrom = pos;
      continue;
    }
    if (pos - pendingFrom + n > chunkDocs && pos > pendingFrom) {
      push(pendingFrom, pos);
      pendingFrom = pos;
    }
    pos += n;
  }
  if (pos > pendingFrom) push(pendingFrom, pos);
  return out;
}
