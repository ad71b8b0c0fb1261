/**
 * Parquet reader (Hugging Face dataset shards). Reads the footer once, then one row
 * group at a time and only the columns the field options need, through a file handle
 * that reads byte ranges on demand; row groups outside the requested range are never
 * read. A remote file is read the same way, each range one request (footer, column chunks).
 * A broken footer or row group ends this file with `input.unreadable_file`.
 */
import { open, type FileHandle } from "node:fs/promises";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { decompress as zstdDecompress } from "fzstd";
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type Compressors, type FileMetaData } from "hyparquet";
import { readFailure, recordToItem, type FieldOptions, type SourceItem } from "./record-fields.js";
import type { RemoteSource } from "./byte-stream.js";
import { errorDetail } from "./errors.js";

export interface RowRange {
  /** 0-based, inclusive. */
  fromRow?: number;
  /** 0-based, exclusive. */
  toRow?: number;
}

/** hyparquet decodes SNAPPY itself; these cover the other codecs HF shards use. */
const COMPRESSORS: Compressors = {
  ZSTD: (input, outputLength) => zstdDecompress(input, new Uint8Array(outputLength)),
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input) => new Uint8Array(brotliDecompressSync(input)),
};

/** Top-level columns that may hold a URL (see record-fields.ts). */
const URL_COLUMNS = ["url", "metadata", "meta"];

/** `file` labels the documents; a remote file is read by range requests through `remote`. */
export async function* readParquet(file: string, range: RowRange, opts: FieldOptions, remote?: RemoteSource): AsyncGenerator<SourceItem> {
  let handle: FileHandle | undefined;
  let reachedRow: number | undefined;
  try {
    let buffer: AsyncBuffer;
    if (remote) buffer = remote.io.asyncBuffer(remote.obj);
    else (handle = await open(file, "r")), (buffer = await fileBuffer(handle));
    const metadata = await parquetMetadataAsync(buffer);
    const columns = neededColumns(metadata, opts);
    const from = range.fromRow ?? 0;
    const to = Math.min(range.toRow ?? Infinity, Number(metadata.num_rows));
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      const groupEnd = groupStart + Number(group.num_rows);
      const start = Math.max(from, groupStart);
      const end = Math.min(to, groupEnd);
      if (start < end) {
        reachedRow = start;
        const rows = await parquetReadObjects({ file: buffer, metadata, columns, rowStart: start, rowEnd: end, compressors: COMPRESSORS });
        for (let i = 0; i < rows.length; i++) {
          reachedRow = start + i;
          yield recordToItem(rows[i], { file, row: start + i }, opts);
        }
      }
      groupStart = groupEnd;
      if (groupStart >= to) break;
    }
  } catch (err) {
    const at = reachedRow === undefined ? "" : ` (at row ${reachedRow})`;
    yield readFailure(err, reachedRow === undefined ? { file } : { file, row: reachedRow }, at);
  } finally {
    await handle?.close();
  }
}

function neededColumns(metadata: FileMetaData, opts: FieldOptions): string[] {
  // schema[0] is the root; its direct children are the top-level columns.
  const root = metadata.schema[0];
  const topLevel: string[] = [];
  let i = 1;
  for (let n = 0; n < (root.num_children ?? 0); n++) {
    topLevel.push(metadata.schema[i].name);
    i = skipSubtree(metadata, i);
  }
  const wanted = new Set<string>();
  for (const field of [opts.textField, opts.idField]) {
    // A literal column name wins over a dotted path, as in getField().
    wanted.add(topLevel.includes(field) ? field : field.split(".")[0]);
  }
  for (const c of URL_COLUMNS) wanted.add(c);
  return topLevel.filter((c) => wanted.has(c));
}

function skipSubtree(metadata: FileMetaData, index: number): number {
  const children = metadata.schema[index].num_children ?? 0;
  let next = index + 1;
  for (let n = 0; n < children; n++) next = skipSubtree(metadata, next);
  return next;
}

export async function fileBuffer(handle: FileHandle): Promise<AsyncBuffer> {
  const { size } = await handle.stat();
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = end ?? size;
      const bytes = Buffer.allocUnsafeSlow(Math.max(0, stop - start));
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesRead } = await handle.read(bytes, offset, bytes.length - offset, start + offset);
        if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${start + offset} (file shrank?)`);
        offset += bytesRead;
      }
      // allocUnsafeSlow gives a buffer that owns its whole ArrayBuffer.
      return bytes.buffer as ArrayBuffer;
    },
  };
}
