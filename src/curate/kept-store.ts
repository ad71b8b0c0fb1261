/**
 * The curator's on-disk memory of kept pairs, so dedup, quotas and idempotence hold across
 * resume and across output parts in bounded memory.
 *
 * Files in the state dir:
 * - `kept.bin`: append-only, one fixed-size record per kept pair (u32 words, little-endian):
 *   exact-hash hi/lo, id-hash hi/lo, doc-hash hi/lo, domain number, id byte offset lo/hi,
 *   id byte length, flags (bit 0: has a MinHash signature; bit 1: the question had case),
 *   answer-key hash, numbers hash,
 *   then `numPerm` signature values (over the question's content words, src/quality/similarity.ts),
 *   then the count and the sorted hashes of those content words (at most FEATURE_SLOTS), so a
 *   candidate's similarity is computed exactly, as the pure function computes it.
 * - `ids.txt`: the kept ids, newline-terminated, addressed by byte offset (read only when a
 *   rejection needs the id it duplicates).
 * - `domains.json`: domain number → name. `meta.json`: the signature parameters.
 *
 * On open the log is replayed into typed-array tables (ids, exact hashes, LSH buckets);
 * signatures stay on disk and are read back only to verify an LSH candidate. A torn
 * last record (crash mid-write) is cut off.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { Hash64Map, MultiMap32 } from "./hash-tables.js";
import { CurateConfigError } from "./options.js";
// Replaced by rename: a kill -9 mid-write must not leave an empty file that the next session cannot parse.
import { writeJsonAtomic } from "../pipeline/checkpoint.js";

export const HEADER_WORDS = 13;
/** Content-word hashes kept per pair: enough for questions of about 60 words. */
export const FEATURE_SLOTS = 48;
/** Version 2: signatures over content words, with answer and number keys (version 1: word 3-shingles). */
const STATE_VERSION = 2;
const F_SIG = 1;
/** Flag: the question had case, so its name features mean something. */
export const F_CASE = 2;

export interface StoreParams {
  /** 0 when near-duplicate signatures are not kept. */
  numPerm: number;
  shingle: number;
  seed: number;
}

export interface KeptEntry {
  exactHi: number;
  exactLo: number;
  idHi: number;
  idLo: number;
  docHi: number;
  docLo: number;
  domain: number;
  id: string;
  /** Signature (numPerm values) or null. */
  sig: Uint32Array | null;
  /** The question's content-word hashes, sorted (the first FEATURE_SLOTS are kept). */
  features: Uint32Array;
  featureCount: number;
  caseKnown: boolean;
  /** 32-bit hashes of the answer key and of the question's numbers (near-duplicate verification). */
  answerKey: number;
  numbersKey: number;
}

/** Called for every kept record during replay and for every new one. */
export type KeptListener = (index: number, words: Uint32Array, offset: number) => void;

const FLUSH_BYTES = 8 << 20;

export class KeptStore {
  readonly recordWords: number;
  readonly recordBytes: number;
  private readonly keptFd: number;
  private readonly idsFd: number;
  /** Records on disk; indexes ≥ this are in `pending`. */
  private flushed = 0;
  private pending: Uint32Array;
  private pendingCount = 0;
  private pendingIds: string[] = [];
  private idBytes: number;
  private readonly domains: string[];
  private domainsDirty = false;
  readonly byId = new Hash64Map();
  readonly byExact = new Hash64Map();
  private readonly readBuf: Buffer;

  private constructor(readonly dir: string, readonly params: StoreParams) {
    this.recordWords = HEADER_WORDS + params.numPerm + (params.numPerm > 0 ? 1 + FEATURE_SLOTS : 0);
    this.recordBytes = this.recordWords * 4;
    this.pending = new Uint32Array(Math.max(1, Math.floor(FLUSH_BYTES / this.recordBytes)) * this.recordWords);
    this.readBuf = Buffer.alloc(this.recordBytes);
    this.keptFd = openSync(join(dir, "kept.bin"), "a+");
    this.idsFd = openSync(join(dir, "ids.txt"), "a+");
    this.idBytes = fstatSync(this.idsFd).size;
    const domainsFile = join(dir, "domains.json");
    this.domains = existsSync(domainsFile) ? (JSON.parse(readFileSync(domainsFile, "utf8")) as string[]) : [];
  }

  /**
   * Opens (creating) the store and replays it; `onRecord` sees every stored record. With
   * `keep`, records past the first `keep` are cut off first: a resumed run cuts its curation
   * state back to its last checkpoint, like its outputs.
   */
  static open(dir: string, params: StoreParams, onRecord: KeptListener, keep?: number): KeptStore {
    mkdirSync(dir, { recursive: true });
    const metaFile = join(dir, "meta.json");
    const keptFile = join(dir, "kept.bin");
    if (existsSync(metaFile) && existsSync(keptFile)) {
      const meta = JSON.parse(readFileSync(metaFile, "utf8")) as StoreParams & { version: number };
      const hasRecords = fstatSizeOf(keptFile) > 0;
      if (hasRecords && meta.version !== STATE_VERSION)
        throw new CurateConfigError(`curation state in ${dir} was written by an older version of webscale-rl (near-duplicates on word shingles); start a fresh output directory`);
      if (hasRecords && (meta.numPerm !== params.numPerm || meta.shingle !== params.shingle || meta.seed !== params.seed)) {
        throw new CurateConfigError(
          `curation state in ${dir} was built with numPerm=${meta.numPerm}, shingle=${meta.shingle}, seed=${meta.seed}; ` +
            `this run asks for numPerm=${params.numPerm}, shingle=${params.shingle}, seed=${params.seed}. ` +
            `Use the same near-duplicate settings (and dedup on/off) to resume, or start a fresh output directory.`,
        );
      }
    }
    writeJsonAtomic(metaFile, { version: STATE_VERSION, ...params });
    const store = new KeptStore(dir, params);
    if (keep !== undefined) store.cutTo(keep);
    store.replay(onRecord);
    return store;
  }

  get count(): number {
    return this.flushed + this.pendingCount;
  }

  /** Drops every record after the first `keep`, and their ids. */
  private cutTo(keep: number): void {
    const whole = Math.floor(fstatSync(this.keptFd).size / this.recordBytes);
    if (keep >= whole) return;
    readFully(this.keptFd, this.readBuf, this.recordBytes, keep * this.recordBytes);
    const first = new Uint32Array(this.readBuf.buffer, this.readBuf.byteOffset, this.recordWords);
    const idOffset = first[7] + first[8] * 0x100000000;
    ftruncateSync(this.keptFd, keep * this.recordBytes);
    ftruncateSync(this.idsFd, idOffset);
    this.idBytes = idOffset;
  }

  private replay(onRecord: KeptListener): void {
    const size = fstatSync(this.keptFd).size;
    const whole = Math.floor(size / this.recordBytes);
    if (whole * this.recordBytes !== size) ftruncateSync(this.keptFd, whole * this.recordBytes);
    const perChunk = Math.max(1, Math.floor((16 << 20) / this.recordBytes));
    const buf = Buffer.alloc(perChunk * this.recordBytes);
    const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length / 4);
    for (let start = 0; start < whole; start += perChunk) {
      const n = Math.min(perChunk, whole - start);
      readFully(this.keptFd, buf, n * this.recordBytes, start * this.recordBytes);
      for (let r = 0; r < n; r++) {
        const o = r * this.recordWords;
        const index = start + r;
        this.byId.put(words[o + 2], words[o + 3], index);
        this.byExact.setIfAbsent(words[o], words[o + 1], index);
        onRecord(index, words, o);
      }
    }
    this.flushed = whole;
  }

  domainNumber(name: string): number {
    const i = this.domains.indexOf(name);
    if (i >= 0) return i;
    this.domainsDirty = true;
    return this.domains.push(name) - 1;
  }

  domainName(n: number): string {
    return this.domains[n] ?? `#${n}`;
  }

  /** Appends a kept record; returns its index. `onRecord` is called like during replay. */
  add(e: KeptEntry, onRecord: KeptListener): number {
    const index = this.count;
    const o = this.pendingCount * this.recordWords;
    const p = this.pending;
    const idLen = Buffer.byteLength(e.id) + 1;
    p[o] = e.exactHi;
    p[o + 1] = e.exactLo;
    p[o + 2] = e.idHi;
    p[o + 3] = e.idLo;
    p[o + 4] = e.docHi;
    p[o + 5] = e.docLo;
    p[o + 6] = e.domain;
    p[o + 7] = this.idBytes % 0x100000000;
    p[o + 8] = Math.floor(this.idBytes / 0x100000000);
    p[o + 9] = idLen;
    p[o + 10] = (e.sig ? F_SIG : 0) | (e.caseKnown ? F_CASE : 0);
    p[o + 11] = e.answerKey;
    p[o + 12] = e.numbersKey;
    if (e.sig) {
      p.set(e.sig.subarray(0, this.params.numPerm), o + HEADER_WORDS);
      const f = o + HEADER_WORDS + this.params.numPerm;
      const n = Math.min(e.featureCount, FEATURE_SLOTS);
      p[f] = n;
      p.set(e.features.subarray(0, n), f + 1);
      p.fill(0, f + 1 + n, o + this.recordWords);
    } else p.fill(0, o + HEADER_WORDS, o + this.recordWords);
    this.idBytes += idLen;
    this.pendingIds.push(e.id);
    this.pendingCount++;
    this.byId.put(e.idHi, e.idLo, index);
    this.byExact.setIfAbsent(e.exactHi, e.exactLo, index);
    onRecord(index, p, o);
    if ((this.pendingCount + 1) * this.recordWords > p.length) this.flush();
    return index;
  }

  /** Copies record `index` (all words) into `out`, from memory or disk. */
  record(index: number, out: Uint32Array): void {
    if (index >= this.flushed) {
      const o = (index - this.flushed) * this.recordWords;
      out.set(this.pending.subarray(o, o + this.recordWords));
      return;
    }
    readFully(this.keptFd, this.readBuf, this.recordBytes, index * this.recordBytes);
    out.set(new Uint32Array(this.readBuf.buffer, this.readBuf.byteOffset, this.recordWords));
  }

  /** The id of kept record `index`. */
  id(index: number): string {
    if (index >= this.flushed) return this.pendingIds[index - this.flushed];
    const rec = new Uint32Array(this.recordWords);
    this.record(index, rec);
    const offset = rec[7] + rec[8] * 0x100000000;
    const buf = Buffer.alloc(rec[9]);
    readFully(this.idsFd, buf, rec[9], offset);
    return buf.toString("utf8", 0, rec[9] - 1);
  }

  /** Writes pending records (ids first, so no record points at an unwritten id). */
  flush(): void {
    if (this.pendingCount > 0) {
      writeSync(this.idsFd, this.pendingIds.join("\n") + "\n");
      const bytes = Buffer.from(this.pending.buffer, this.pending.byteOffset, this.pendingCount * this.recordBytes);
      writeAll(this.keptFd, bytes);
      this.flushed += this.pendingCount;
      this.pendingCount = 0;
      this.pendingIds = [];
    }
    if (this.domainsDirty) {
      writeJsonAtomic(join(this.dir, "domains.json"), this.domains);
      this.domainsDirty = false;
    }
  }

  /** Flushes and syncs to disk. */
  commit(): void {
    this.flush();
    fsyncSync(this.idsFd);
    fsyncSync(this.keptFd);
  }

  close(): void {
    this.commit();
    closeSync(this.keptFd);
    closeSync(this.idsFd);
  }

  get bytes(): number {
    return this.byId.bytes + this.byExact.bytes + this.pending.byteLength;
  }
}

function fstatSizeOf(file: string): number {
  const fd = openSync(file, "r");
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, buf: Buffer, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new Error(`curation state is truncated (wanted ${length} bytes at ${position})`);
    done += n;
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
}
