/**
 * Row sinks for exported tables: Parquet written one row group at a time (so memory is
 * bounded by the row-group size, not the dataset), and plain JSONL. Both report what
 * they wrote so the command can print a summary.
 */
import { createWriteStream, statSync, type WriteStream } from "node:fs";
import { ParquetWriter, fileWriter } from "hyparquet-writer";
import { parquetSchema, toParquetValue, type Column } from "./columns.js";

export type Row = Record<string, unknown>;

export interface WrittenFile {
  path: string;
  rows: number;
  bytes: number;
}

export interface RowSink {
  /** `approxBytes`: a rough size of the row, used to cut row groups before they grow too big. */
  write(row: Row, approxBytes?: number): Promise<void>;
  close(): Promise<WrittenFile[]>;
  /** The files this sink will have written when closed (their final names). */
  readonly plannedPaths: string[];
}

/** Where a sink writes: its final name plus an optional suffix (the export's temporary name, renamed when complete). */
export interface SinkTarget {
  /** Appended to every file name while writing, e.g. ".partial". */
  suffix?: string;
}

export interface ParquetSinkOptions {
  /** Rows per row group (default 20 000). */
  rowGroupRows?: number;
  /** Cut a row group early when its rows add up to this many bytes (default 64 MiB). */
  rowGroupBytes?: number;
  /** Written into the file's key-value metadata (e.g. the producing tool and version). */
  kvMetadata?: { key: string; value: string }[];
  createdBy?: string;
  /** Appended to the file name while writing (the export renames it when complete). */
  suffix?: string;
}

export class ParquetSink implements RowSink {
  private writer: ParquetWriter;
  private buffer: Row[] = [];
  private bufferedBytes = 0;
  private rows = 0;
  private readonly rowGroupRows: number;
  private readonly rowGroupBytes: number;

  private readonly writeTo: string;

  constructor(readonly path: string, private readonly columns: Column[], opts: ParquetSinkOptions = {}) {
    this.rowGroupRows = opts.rowGroupRows ?? 20_000;
    this.rowGroupBytes = opts.rowGroupBytes ?? 64 * 1024 * 1024;
    this.writeTo = path + (opts.suffix ?? "");
    this.writer = new ParquetWriter({
      writer: fileWriter(this.writeTo),
      schema: parquetSchema(columns),
      kvMetadata: opts.kvMetadata,
      createdBy: opts.createdBy,
    });
  }

  async write(row: Row, approxBytes = 256): Promise<void> {
    this.buffer.push(row);
    this.bufferedBytes += approxBytes;
    if (this.buffer.length >= this.rowGroupRows || this.bufferedBytes >= this.rowGroupBytes) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    const columnData = this.columns.map((c) => ({ name: c.name, data: rows.map((r) => toParquetValue(c.type, r[c.name])) }));
    // One call = one row group: rowGroupSize is set to the buffered row count.
    this.writer.write({ columnData, rowGroupSize: rows.length });
    this.rows += rows.length;
    this.buffer = [];
    this.bufferedBytes = 0;
  }

  async close(): Promise<WrittenFile[]> {
    this.flush();
    this.writer.finish();
    return [{ path: this.path, rows: this.rows, bytes: statSync(this.writeTo).size }];
  }

  get plannedPaths(): string[] {
    return [this.path];
  }
}

export class JsonlSink implements RowSink {
  private stream: WriteStream;
  private rows = 0;
  private readonly writeTo: string;
  private failure: Error | undefined;

  constructor(readonly path: string, target: SinkTarget = {}) {
    this.writeTo = path + (target.suffix ?? "");
    this.stream = createWriteStream(this.writeTo, { encoding: "utf8" });
    // A write error (disk full) surfaces at the next write or at close, never as an unhandled event.
    this.stream.on("error", (err) => (this.failure ??= err));
  }

  get plannedPaths(): string[] {
    return [this.path];
  }

  async write(row: Row): Promise<void> {
    if (this.failure) throw this.failure;
    this.rows++;
    // Respect backpressure so a slow disk cannot make the process buffer the dataset.
    if (!this.stream.write(JSON.stringify(row) + "\n")) await this.drained();
    if (this.failure) throw this.failure;
  }

  /** The stream drained, or failed (the error listener stays on the stream for good). */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off("drain", done);
        this.stream.off("error", done);
        resolve();
      };
      this.stream.on("drain", done);
      this.stream.on("error", done);
    });
  }

  async close(): Promise<WrittenFile[]> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => this.stream.end((err?: Error | null) => (err || this.failure ? reject(err ?? this.failure) : resolve())));
    return [{ path: this.path, rows: this.rows, bytes: statSync(this.writeTo).size }];
  }
}

/**
 * Parquet shards of a fixed row count, named the way the Hugging Face Hub names them:
 * `<dir>/<split>-00000-of-00003.parquet`. The shard count is known up front from the
 * split's size, so every name is known before the first row is written.
 */
export class ShardedParquetSink implements RowSink {
  private current: ParquetSink | undefined;
  private inShard = 0;
  private shardIndex = 0;
  private written: WrittenFile[] = [];
  readonly shardCount: number;

  constructor(
    private readonly dir: string,
    private readonly split: string,
    totalRows: number,
    private readonly shardRows: number,
    private readonly columns: Column[],
    private readonly opts: ParquetSinkOptions = {},
  ) {
    this.shardCount = Math.max(1, Math.ceil(totalRows / shardRows));
  }

  static shardName(split: string, index: number, count: number): string {
    const pad = (n: number) => String(n).padStart(5, "0");
    return `${split}-${pad(index)}-of-${pad(count)}.parquet`;
  }

  private open(): ParquetSink {
    const name = ShardedParquetSink.shardName(this.split, this.shardIndex, this.shardCount);
    return new ParquetSink(`${this.dir}/${name}`, this.columns, this.opts);
  }

  get plannedPaths(): string[] {
    return Array.from({ length: this.shardCount }, (_, i) => `${this.dir}/${ShardedParquetSink.shardName(this.split, i, this.shardCount)}`);
  }

  async write(row: Row, approxBytes?: number): Promise<void> {
    if (!this.current) this.current = this.open();
    await this.current.write(row, approxBytes);
    if (++this.inShard >= this.shardRows) {
      this.written.push(...(await this.current.close()));
      this.current = undefined;
      this.inShard = 0;
      this.shardIndex++;
    }
  }

  async close(): Promise<WrittenFile[]> {
    // An empty split still gets one (empty) shard so the card's data_files always match.
    if (this.current || this.written.length === 0) {
      this.written.push(...(await (this.current ?? this.open()).close()));
      this.current = undefined;
    }
    return this.written;
  }
}
