/**
 * How many documents the inputs hold, without reading them as a run would. Counted where that
 * is cheap and exact: a text file is one document, a Parquet file says its row count in its
 * footer, a local uncompressed JSONL file is one scan for line ends at disk speed. Elsewhere
 * (compressed JSONL, WARC/WET, remote JSONL) the count is extrapolated from the file's size:
 * the first MiB of its stored bytes is decompressed and its records counted, which gives
 * documents per stored byte (the file's own compression ratio included). A file shorter than
 * that probe is counted whole.
 */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { constants, gunzipSync } from "node:zlib";
import { Decompress } from "fzstd";
import { parquetMetadataAsync } from "hyparquet";
import { formatOf } from "../io/sources/formats.js";
import { fileBuffer } from "../io/sources/parquet.js";
import { displayUrl, isRemote } from "../io/remote/location.js";
import type { RemoteIO } from "../io/remote/remote-io.js";
import type { InputSpec } from "../io/sources/index.js";

export interface InputCount {
  file: string;
  documents: number;
  /** counted: exact; extrapolated: from the size and the probe's density; unreadable: the run would record it as a rejection. */
  how: "counted" | "extrapolated" | "unreadable";
}

/** Stored bytes read to learn a file's density: enough for hundreds of web documents. */
export const PROBE_BYTES = 1 << 20;

const NEWLINE = 10;
const isSpaceByte = (c: number) => c === 32 || c === 9 || c === 13;

/**
 * Non-blank lines (JSONL records: the reader skips blank ones) over chunks of bytes. Jumps from
 * line end to line end with indexOf and looks only at a line's first bytes, so a local file is
 * counted at close to disk speed.
 */
export class LineCounter {
  lines = 0;
  /** Bytes up to and including the last line end seen. */
  completeBytes = 0;
  private seen = 0;
  /** The current (unfinished) line has a non-space byte. */
  private content = false;

  push(chunk: Uint8Array): void {
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, from);
      const stop = nl === -1 ? chunk.length : nl;
      for (let i = from; i < stop && !this.content; i++) if (!isSpaceByte(chunk[i]!)) this.content = true;
      if (nl === -1) break;
      if (this.content) this.lines++;
      this.content = false;
      this.completeBytes = this.seen + nl + 1;
      from = nl + 1;
    }
    this.seen += chunk.length;
  }

  /** The file ended: its last line counts even without a line end. */
  end(): void {
    if (this.content) (this.lines++, (this.completeBytes = this.seen), (this.content = false));
  }
}

/** WARC records a run reads as documents: responses (WARC) and extracted text (WET). */
function countWarcRecords(text: string): number {
  return (text.match(/^WARC-Type: (?:response|conversion)\r?$/gm) ?? []).length;
}

async function localLineCount(path: string): Promise<number> {
  const counter = new LineCounter();
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) counter.push(chunk);
  counter.end();
  return counter.lines;
}

/** The first `limit` stored bytes of a file, local or remote. */
async function headBytes(spec: InputSpec, limit: number, io?: RemoteIO): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  const source: AsyncIterable<Uint8Array> = isRemote(spec.path) ? io!.stream(spec.pin ?? (await io!.stat(spec.path))) : createReadStream(spec.path, { start: 0, end: limit - 1 });
  for await (const chunk of source) {
    parts.push(chunk);
    n += chunk.length;
    if (n >= limit) break;
  }
  return Buffer.concat(parts).subarray(0, limit);
}

/** Stored bytes fed to the zstd decoder at a time: the precision of `storedUsed`. */
const ZSTD_STEP = 16 * 1024;

/**
 * Decompresses a file's first bytes; a cut stream gives what it holds so far. `storedUsed`:
 * the stored bytes that output came from. gzip (flushed) emits all it decoded; zstd emits
 * whole blocks (up to 128 KiB), so the input of the last, unfinished block produced nothing
 * yet and must not count in the compression ratio.
 */
function inflateHead(bytes: Uint8Array, compression: "none" | "gzip" | "zstd"): { inflated: Uint8Array; storedUsed: number } {
  if (compression === "gzip") return { inflated: gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH }), storedUsed: bytes.length };
  if (compression === "zstd") {
    const out: Uint8Array[] = [];
    let fed = 0;
    let storedUsed = 0;
    const decoder = new Decompress((chunk) => (out.push(chunk.slice()), (storedUsed = fed)));
    while (fed < bytes.length) {
      const piece = bytes.subarray(fed, fed + ZSTD_STEP);
      fed += piece.length;
      decoder.push(piece);
    }
    return { inflated: Buffer.concat(out), storedUsed };
  }
  return { inflated: bytes, storedUsed: bytes.length };
}

async function sizeOf(spec: InputSpec, io?: RemoteIO): Promise<number> {
  if (!isRemote(spec.path)) return (await stat(spec.path)).size;
  return (spec.pin ?? (await io!.stat(spec.path))).size;
}

async function parquetRows(spec: InputSpec, io?: RemoteIO): Promise<number> {
  if (isRemote(spec.path)) return Number((await parquetMetadataAsync(io!.asyncBuffer(spec.pin ?? (await io!.stat(spec.path))))).num_rows);
  const handle = await open(spec.path, "r");
  try {
    return Number((await parquetMetadataAsync(await fileBuffer(handle))).num_rows);
  } finally {
    await handle.close();
  }
}

export async function countInput(spec: InputSpec, io?: RemoteIO): Promise<InputCount> {
  const file = displayUrl(spec.path);
  const info = formatOf(file);
  if (!info) return { file, documents: 0, how: "counted" };
  if (info.format === "text") return { file, documents: 1, how: "counted" };
  if (info.format === "parquet") return { file, documents: await parquetRows(spec, io), how: "counted" };
  if (info.format === "jsonl" && info.compression === "none" && !isRemote(spec.path)) return { file, documents: await localLineCount(spec.path), how: "counted" };

  const size = await sizeOf(spec, io);
  const head = await headBytes(spec, PROBE_BYTES, io);
  const whole = head.length >= size;
  const { inflated, storedUsed } = inflateHead(head, info.compression);
  let records: number;
  let usedBytes: number;
  if (info.format === "jsonl") {
    // A probe that stops mid-file cuts its last line: only lines it saw end are counted.
    const counter = new LineCounter();
    counter.push(inflated);
    if (whole) counter.end();
    (records = counter.lines), (usedBytes = counter.completeBytes);
  } else {
    records = countWarcRecords(Buffer.from(inflated.buffer, inflated.byteOffset, inflated.byteLength).toString("latin1"));
    usedBytes = inflated.length;
  }
  if (whole) return { file, documents: records, how: "counted" };
  // Documents per stored byte: records per decompressed byte, times decompressed bytes per stored byte.
  const perStoredByte = usedBytes > 0 && storedUsed > 0 ? (records / usedBytes) * (inflated.length / storedUsed) : 0;
  return { file, documents: Math.round(size * perStoredByte), how: "extrapolated" };
}

export async function countDocuments(specs: InputSpec[], io?: RemoteIO): Promise<InputCount[]> {
  const out: InputCount[] = [];
  for (const spec of specs) {
    // A file that cannot be read is one counted rejection in a run, not a stop: the same here.
    out.push(await countInput(spec, io).catch(() => ({ file: displayUrl(spec.path), documents: 0, how: "unreadable" as const })));
  }
  return out;
}
