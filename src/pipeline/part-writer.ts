/**
 * Appends JSON lines to numbered part files of one output folder. Lines are buffered and
 * written at the orchestrator's commits; `position()` is what a checkpoint records, and
 * `restore()` truncates back to it after a crash, so nothing uncommitted survives a resume.
 */
import { closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readdirSync, statSync, truncateSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { writingTo } from "../io/io-error.js";
import { writeFully } from "../io/atomic-file.js";

/** Buffered characters that trigger a write before the next commit (see `add`). */
const WRITE_THROUGH_CHARS = 4 << 20;

export interface PartPosition {
  part: number;
  bytes: number;
  records: number;
}

export class PartWriter {
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingChars = 0;
  /** Bytes written since the last sync: an idle writer's commit costs no fdatasync. */
  private unsynced = false;
  private pos: PartPosition = { part: 0, bytes: 0, records: 0 };

  /** `tag` keeps writers of different shards apart in a shared folder: part-<tag>-00000.jsonl. */
  constructor(
    readonly dir: string,
    readonly tag: string,
    readonly maxRecords: number,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  private fileOf(part: number): string {
    return join(this.dir, `part-${this.tag}-${String(part).padStart(5, "0")}.jsonl`);
  }

  /** Return to a committed position: truncate its part, delete later parts of this writer. */
  restore(pos: PartPosition | undefined): void {
    const p = pos ?? { part: 0, bytes: 0, records: 0 };
    const prefix = `part-${this.tag}-`;
    for (const f of readdirSync(this.dir)) {
      if (!f.startsWith(prefix) || !f.endsWith(".jsonl")) continue;
      const n = Number(f.slice(prefix.length, -".jsonl".length));
      if (n > p.part) unlinkSync(join(this.dir, f));
    }
    const file = this.fileOf(p.part);
    if (existsSync(file) && statSync(file).size > p.bytes) truncateSync(file, p.bytes);
    this.pos = { ...p };
  }

  /**
   * Buffers a record until the next commit, or writes the buffer once it holds
   * `WRITE_THROUGH_CHARS`: at thousands of documents a second, a second's worth of document
   * records is tens of MB, held three times over while it is joined and encoded. Writing
   * early is safe: a checkpoint names the positions of its own commit, and a resume truncates
   * everything after them.
   */
  add(record: unknown): void {
    const line = JSON.stringify(record);
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= WRITE_THROUGH_CHARS) this.write();
  }

  /** Writes buffered records (rotating parts at maxRecords) and syncs to disk; a failure names the part file. */
  flush(): void {
    this.write();
    this.sync();
  }

  private sync(): void {
    if (this.unsynced && this.fd !== undefined) writingTo(this.fileOf(this.pos.part), () => fdatasyncSync(this.fd!));
    this.unsynced = false;
  }

  private write(): void {
    if (this.pending.length === 0) return;
    let i = 0;
    while (i < this.pending.length) {
      if (this.pos.records >= this.maxRecords) this.rotate();
      const room = this.maxRecords - this.pos.records;
      const chunk = this.pending.slice(i, i + room);
      const text = chunk.join("\n") + "\n";
      const buf = Buffer.from(text, "utf8");
      writingTo(this.fileOf(this.pos.part), () => writeFully(this.openFd(), buf));
      this.unsynced = true;
      this.pos.bytes += buf.length;
      this.pos.records += chunk.length;
      i += chunk.length;
    }
    this.pending = [];
    this.pendingChars = 0;
  }

  position(): PartPosition {
    return { ...this.pos };
  }

  get buffered(): number {
    return this.pending.length;
  }

  private openFd(): number {
    if (this.fd === undefined) this.fd = openSync(this.fileOf(this.pos.part), "a");
    return this.fd;
  }

  private rotate(): void {
    // The commit's sync covers only the open part: a full part is synced as it is closed.
    this.sync();
    this.close();
    this.pos = { part: this.pos.part + 1, bytes: 0, records: 0 };
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd), (this.fd = undefined);
  }
}
