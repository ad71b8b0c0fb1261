/**
 * The one entry point to remote data for a run: which store serves a URL, listing with the
 * local expansion rules, and reads with retries. A file is read as byte ranges of at most
 * PIECE_BYTES, one range ahead of the reader: memory stays bounded by two pieces, a dropped
 * connection costs one piece again (never a restart of the file), and Parquet readers ask
 * for exactly the ranges (footer, column chunks) they need.
 */
import type { AsyncBuffer } from "hyparquet";
import type { S3Client } from "@aws-sdk/client-s3";
import { HttpsStore } from "./https.js";
import { IoMeter, type IoStats } from "./io-stats.js";
import { parseRemote, type RemoteScheme } from "./location.js";
import { DEFAULT_RETRY, withRetry, type RetryContext, type RetryPolicy } from "./retry.js";
import type { RemoteObject, RemoteStore } from "./store.js";

/** Bytes per range request when streaming a file. */
export const PIECE_BYTES = 8 * 1024 * 1024;

export interface RemoteIoOptions {
  env?: NodeJS.ProcessEnv;
  policy?: Partial<RetryPolicy>;
  /** Where retries are reported (default: stderr). */
  log?: (msg: string) => void;
  /** Counters carried over from an earlier session of the run. */
  stats?: IoStats;
  pieceBytes?: number;
}

export class RemoteIO {
  readonly meter: IoMeter;
  private readonly retry: RetryContext;
  private readonly env: NodeJS.ProcessEnv;
  private readonly stores = new Map<RemoteScheme, Promise<RemoteStore>>();
  private s3Client?: S3Client;
  readonly pieceBytes: number;

  constructor(opts: RemoteIoOptions = {}) {
    this.env = opts.env ?? process.env;
    this.meter = new IoMeter(opts.stats);
    this.retry = { policy: { ...DEFAULT_RETRY, ...opts.policy }, meter: this.meter, log: opts.log ?? ((m) => process.stderr.write(m + "\n")) };
    this.pieceBytes = opts.pieceBytes ?? PIECE_BYTES;
  }

  get stats(): IoStats {
    return this.meter.stats;
  }

  get log(): (msg: string) => void {
    return this.retry.log;
  }

  // The S3 and Hub clients are loaded on first use: they take a noticeable part of a second to
  // load, and most commands on local files never need them. The promise is kept, so callers
  // that race to the first use share one store.
  store(scheme: RemoteScheme): Promise<RemoteStore> {
    let s = this.stores.get(scheme);
    if (!s) {
      s = this.makeStore(scheme);
      this.stores.set(scheme, s);
    }
    return s;
  }

  private async makeStore(scheme: RemoteScheme): Promise<RemoteStore> {
    if (scheme === "s3") {
      const { makeS3Client, S3Store } = await import("./s3.js");
      return new S3Store((this.s3Client = makeS3Client(this.env)), this.retry, this.env);
    }
    if (scheme === "hf") {
      const { HubStore, hubSettings } = await import("./hub.js");
      return new HubStore(hubSettings(this.env), this.retry);
    }
    return new HttpsStore(this.retry);
  }

  /** The files an input argument names, with their identity (throws ConfigError). */
  async expand(pattern: string): Promise<RemoteObject[]> {
    const loc = parseRemote(pattern);
    const { expandRemote } = await import("./expand-remote.js");
    return expandRemote(await this.store(loc.scheme), loc);
  }

  /** One file's current identity (for a reader given a URL without a pin). */
  async stat(url: string): Promise<RemoteObject> {
    const [obj] = await this.expand(url);
    return obj;
  }

  /** Bytes [start, end) of a pinned file, retried on transient faults; a short answer counts as one. */
  async readRange(obj: RemoteObject, start: number, end: number): Promise<Uint8Array> {
    const scheme = parseRemote(obj.url).scheme;
    const store = await this.store(scheme);
    return withRetry(this.retry, scheme, `${obj.url} bytes ${start}-${end - 1}`, async (signal) => {
      const bytes = await store.read(obj, start, end, signal);
      if (bytes.length !== end - start) {
        throw Object.assign(new Error(`short read: ${bytes.length} of ${end - start} bytes`), { code: "ECONNRESET" });
      }
      return bytes;
    });
  }

  /** The file's bytes from `from` to its end, one piece ahead of the consumer. */
  async *stream(obj: RemoteObject, from = 0): AsyncGenerator<Uint8Array> {
    const piece = (start: number) => this.readRange(obj, start, Math.min(obj.size, start + this.pieceBytes));
    let next: Promise<Uint8Array> | undefined = from < obj.size ? piece(from) : undefined;
    try {
      for (let start = from; next; ) {
        const bytes = await next;
        start += bytes.length;
        next = start < obj.size ? piece(start) : undefined;
        yield bytes;
      }
    } finally {
      // A consumer that stops early leaves a read in flight: let it finish unobserved.
      next?.catch(() => {});
    }
  }

  /** Random access for Parquet: hyparquet asks for the footer and the column chunks it needs. */
  asyncBuffer(obj: RemoteObject): AsyncBuffer {
    // hyparquet's first read is the file's last 512 KiB (the footer); when that was the whole
    // (small) file, later reads are served from it instead of asking again.
    let whole: Uint8Array | undefined;
    return {
      byteLength: obj.size,
      slice: async (start: number, end?: number) => {
        const stop = end ?? obj.size;
        if (whole) return whole.slice(start, stop).buffer as ArrayBuffer;
        const bytes = await this.readRange(obj, start, stop);
        if (start === 0 && stop === obj.size) whole = bytes;
        return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
          ? (bytes.buffer as ArrayBuffer)
          : (bytes.slice().buffer as ArrayBuffer);
      },
    };
  }

  close(): void {
    this.s3Client?.destroy();
  }
}
