/**
 * A file's bytes as a stream of chunks, decompressed on the fly. Memory stays bounded
 * by the chunk size whatever the file size: gzip through `node:zlib` streams, zstd
 * through fzstd's streaming decoder (Node 20's zlib has no zstd). A remote file's bytes
 * come from its store as range reads (see remote-io.ts); decompression is the same.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";
import type { Compression } from "./formats.js";
import type { RemoteIO } from "../remote/remote-io.js";
import type { RemoteObject } from "../remote/store.js";

const CHUNK_BYTES = 1 << 20;

/** A remote file pinned to the identity this run reads, and the I/O that reads it. */
export interface RemoteSource {
  io: RemoteIO;
  obj: RemoteObject;
}

/** A local path, or a remote file. */
export type ByteSource = string | RemoteSource;

/** `start`: the byte to begin at (uncompressed files only: a compressed stream cannot be entered mid-way). */
export async function* fileChunks(file: ByteSource, compression: Compression, start = 0): AsyncGenerator<Uint8Array> {
  if (start > 0 && compression !== "none") throw new Error("a compressed file can only be read from its start");
  const raw =
    typeof file === "string"
      ? createReadStream(file, { highWaterMark: CHUNK_BYTES, start })
      : Readable.from(file.io.stream(file.obj, start), { objectMode: false });
  try {
    if (compression === "gzip") {
      // pipe() does not forward source errors; forward them so a vanished or unreadable
      // file ends the iteration with an error instead of hanging.
      const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
      raw.on("error", (err: Error) => gunzip.destroy(err));
      raw.pipe(gunzip);
      try {
        yield* gunzip as AsyncIterable<Buffer>;
      } finally {
        gunzip.destroy();
      }
    } else if (compression === "zstd") {
      yield* zstdChunks(raw as AsyncIterable<Buffer>);
    } else {
      yield* raw as AsyncIterable<Buffer>;
    }
  } finally {
    raw.destroy();
  }
}

async function* zstdChunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  // fzstd calls back synchronously inside push(); collect, then yield between pushes
  // so at most one input chunk's worth of output is held at a time.
  let out: Uint8Array[] = [];
  const decoder = new Decompress((chunk) => {
    // fzstd may reuse its window buffer; copy what we hand out.
    out.push(chunk.slice());
  });
  for await (const chunk of source) {
    decoder.push(chunk);
    if (out.length) {
      const ready = out;
      out = [];
      yield* ready;
    }
  }
  // `final` makes fzstd throw on a truncated frame instead of silently stopping.
  decoder.push(new Uint8Array(0), true);
  yield* out;
}
