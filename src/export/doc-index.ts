/**
 * Looks up a source document's text by doc_id without holding the documents in memory:
 * one pass over `documents/part-*.jsonl` records, per line, a 53-bit hash of the doc_id
 * and the line's byte position (~22 bytes per document in typed arrays); a lookup reads
 * just that line back from disk and checks the doc_id (so a hash collision costs a read,
 * never a wrong text).
 */
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { DocumentRecord } from "../records.js";
import { RecordParseError } from "../io/run-dir.js";
import { splitHash } from "./split.js";

const keyOf = (docId: string) => splitHash(0x5eed, docId);

/** Byte-exact lines of a file (the trailing newline excluded), streamed. */
async function* byteLines(file: string): AsyncGenerator<{ offset: number; bytes: Buffer; line: number }> {
  let pending: Buffer[] = [];
  let pendingStart = 0;
  let pos = 0;
  let line = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let nl = chunk.indexOf(10, from); nl !== -1; nl = chunk.indexOf(10, from)) {
      const piece = chunk.subarray(from, nl);
      const bytes = pending.length ? Buffer.concat([...pending, piece]) : piece;
      line++;
      yield { offset: pendingStart, bytes, line };
      pending = [];
      pendingStart = pos + nl + 1;
      from = nl + 1;
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
    pos += chunk.length;
  }
  if (pending.length) {
    line++;
    yield { offset: pendingStart, bytes: Buffer.concat(pending), line };
  }
}

export class DocumentIndex {
  private keys = new Float64Array(0);
  private fileOf = new Uint16Array(0);
  private offsets = new Float64Array(0);
  private lengths = new Uint32Array(0);
  private fds: number[] = [];
  /** Documents indexed. */
  count = 0;

  private constructor(private readonly files: string[]) {}

  static async build(files: string[], onBad: (e: RecordParseError) => void): Promise<DocumentIndex> {
    if (files.length > 0xffff) throw new Error(`too many document part files (${files.length})`);
    const idx = new DocumentIndex(files);
    let cap = 1024;
    let keys = new Float64Array(cap);
    let fileOf = new Uint16Array(cap);
    let offsets = new Float64Array(cap);
    let lengths = new Uint32Array(cap);
    let n = 0;
    for (let f = 0; f < files.length; f++) {
      for await (const { offset, bytes, line } of byteLines(files[f])) {
        const text = bytes.toString("utf8");
        if (text.trim() === "") continue;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          onBad(new RecordParseError(files[f], line, `not valid JSON (${(e as Error).message})`));
          continue;
        }
        const parsed = DocumentRecord.safeParse(value);
        if (!parsed.success) {
          onBad(new RecordParseError(files[f], line, parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")));
          continue;
        }
        if (n === cap) {
          cap *= 2;
          const grow = <T extends Float64Array | Uint16Array | Uint32Array>(a: T, make: (c: number) => T): T => {
            const b = make(cap);
            b.set(a);
            return b;
          };
          keys = grow(keys, (c) => new Float64Array(c));
          fileOf = grow(fileOf, (c) => new Uint16Array(c));
          offsets = grow(offsets, (c) => new Float64Array(c));
          lengths = grow(lengths, (c) => new Uint32Array(c));
        }
        keys[n] = keyOf(parsed.data.doc_id);
        fileOf[n] = f;
        offsets[n] = offset;
        lengths[n] = bytes.length;
        n++;
      }
    }
    // Sort by key (then position, so the first copy of a duplicated doc_id wins).
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => keys[a] - keys[b] || a - b);
    idx.keys = new Float64Array(n);
    idx.fileOf = new Uint16Array(n);
    idx.offsets = new Float64Array(n);
    idx.lengths = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const j = order[i];
      idx.keys[i] = keys[j];
      idx.fileOf[i] = fileOf[j];
      idx.offsets[i] = offsets[j];
      idx.lengths[i] = lengths[j];
    }
    idx.count = n;
    return idx;
  }

  /** The document's text, or undefined when documents/ has no such doc_id. */
  get(docId: string): string | undefined {
    const key = keyOf(docId);
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.count && this.keys[i] === key; i++) {
      const rec = this.readAt(i);
      if (rec.doc_id === docId) return rec.text;
    }
    return undefined;
  }

  private readAt(i: number): DocumentRecord {
    const f = this.fileOf[i];
    this.fds[f] ??= openSync(this.files[f], "r");
    const buf = Buffer.allocUnsafe(this.lengths[i]);
    readSync(this.fds[f], buf, 0, buf.length, this.offsets[i]);
    return JSON.parse(buf.toString("utf8")) as DocumentRecord;
  }

  close(): void {
    for (const fd of this.fds) if (fd !== undefined) closeSync(fd);
    this.fds = [];
  }
}
