/**
 * Splits input files into chunk jobs of about `chunkDocs` documents, streaming (a file is
 * never held in memory): JSONL by line ranges (records counted, blank lines skipped),
 * Parquet by row ranges aligned to row groups (a group bigger than a chunk is cut into equal
 * slices), a text file as one chunk (it is one document). A chunk's id is a hash of the
 * output directory, the file and the range, so submitting the same inputs twice gives the
 * same ids and BullMQ adds each job once. A remote file is split the same way: Parquet from
 * its footer alone (one range request), JSONL by reading it through once; every chunk carries
 * the file's pin, so workers read exactly the version that was split.
 */
import { asyncBufferFromFile, parquetMetadataAsync, type AsyncBuffer } from "hyparquet";
import type { InputSpec } from "../io/sources/index.js";
import { formatOf } from "../io/sources/formats.js";
import { fileChunks, type ByteSource } from "../io/sources/byte-stream.js";
import { displayUrl } from "../io/remote/location.js";
import type { RemoteIO } from "../io/remote/remote-io.js";
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
export async function* chunkFile(
  out: string,
  file: string | InputSpec,
  chunkDocs: number,
  onProblem: (msg: string) => void = () => {},
  io?: RemoteIO,
): AsyncGenerator<Chunk> {
  const spec: InputSpec = typeof file === "string" ? { path: file } : file;
  const { path, pin } = spec;
  const info = formatOf(displayUrl(path));
  const make = (input: InputSpec, docs: number): Chunk => {
    const withPin: InputSpec = pin ? { ...input, pin } : input;
    return { id: chunkId(out, input), input: withPin, docs };
  };
  try {
    if (pin && !io) throw new Error("remote file without remote I/O");
    if (info?.format === "jsonl") {
      if (pin && info.compression !== "none") {
        // Each slice of a compressed stream is reached by decompressing from the start: for a
        // remote file that would download it once per chunk, so it stays one chunk.
        onProblem(`${displayUrl(path)}: a compressed remote JSONL file is one chunk (slicing it would download it again for every chunk)`);
        yield make({ path }, 1);
        return;
      }
      const ranges: Chunk[] = [];
      const bytes: ByteSource = pin ? { io: io!, obj: pin } : path;
      const split = info.compression === "none" ? plainJsonlRanges(path, bytes, chunkDocs) : jsonlRanges(path, bytes, info.compression, chunkDocs);
      for await (const c of split) ranges.push(make(c.input, c.docs));
      yield* ranges;
      return;
    }
    if (info?.format === "parquet") {
      const buffer = pin ? io!.asyncBuffer(pin) : await asyncBufferFromFile(path);
      for (const c of await parquetRanges(path, buffer, chunkDocs)) yield make(c.input, c.docs);
      return;
    }
  } catch (err) {
    onProblem(`could not read ${displayUrl(path)} to split it (${(err as Error).message}); queued as one whole-file chunk`);
  }
  yield make({ path }, 1);
}

async function* jsonlRanges(path: string, bytes: ByteSource, compression: NonNullable<ReturnType<typeof formatOf>>["compression"], chunkDocs: number) {
  let from = 1;
  let docs = 0;
  let last = 0;
  for await (const batch of splitLines(fileChunks(bytes, compression))) {
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

/**
 * Line ranges of an uncompressed JSONL file with the byte offset each starts at, so that a
 * worker reads only its slice. Scans bytes for newlines; a line of only spaces, tabs or CRs
 * is blank (not a record), as the reader sees it.
 */
async function* plainJsonlRanges(path: string, bytes: ByteSource, chunkDocs: number) {
  let line = 1; // the line the next byte belongs to
  let offset = 0; // byte offset of the next byte
  let blank = true; // the current line has only whitespace so far
  let lineStart = 0;
  let from = { line: 1, byte: 0 };
  let docs = 0;
  for await (const chunk of fileChunks(bytes, "none")) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === 0x0a) {
        if (!blank) docs++;
        line++;
        lineStart = offset + i + 1;
        blank = true;
        if (docs === chunkDocs) {
          yield { input: { path, fromLine: from.line, toLine: line, fromByte: from.byte }, docs };
          from = { line, byte: lineStart };
          docs = 0;
        }
      } else if (blank && c !== 0x20 && c !== 0x09 && c !== 0x0d) blank = false;
    }
    offset += chunk.length;
  }
  if (!blank) docs++, line++; // a last line without a newline
  if (docs > 0) yield { input: { path, fromLine: from.line, toLine: line, fromByte: from.byte }, docs };
}

async function parquetRanges(path: string, buffer: AsyncBuffer, chunkDocs: number): Promise<{ input: InputSpec; docs: number }[]> {
  const meta = await parquetMetadataAsync(buffer);
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
