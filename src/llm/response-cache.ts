/**
 * The response cache's store: an LMDB environment in one folder, shared by every process on
 * the machine that opens it (shards, queue workers, reruns). LMDB serialises writers across
 * processes with its own lock and lets readers run without one, so many runs can share a
 * cache with no coordination of ours.
 *
 * Three tables: `replies` (key → the reply, its size and when it was last used), `lru`
 * ([last used, key] → nothing: the eviction order) and `meta` (the running byte total). The
 * total is kept by us rather than read off LMDB's pages because LMDB never shrinks its file:
 * it reuses freed pages, so bounding what we store bounds the file.
 */
import { mkdirSync } from "node:fs";
import { open, type Database, type RootDatabase } from "lmdb";
import type { Usage } from "./types.js";

export interface CachedReply {
  /** The reply text as the model wrote it; the value is parsed from it again on a hit. */
  raw: string;
  /** The model name that answered. */
  model: string;
  /** What the reply cost when it was made (what a hit saves). */
  usage: Usage;
  /** The stage that first asked (for `cache stats`). */
  stage: string;
  /** A text sample the server stopped at max_tokens (`sample` calls only). */
  truncated?: boolean;
}

interface Entry {
  reply: CachedReply;
  /** Bytes this entry counts for in the total. */
  size: number;
  /** Last use, ms since the epoch. */
  used: number;
}

export interface CacheStoreStats {
  dir: string;
  entries: number;
  bytes: number;
  max_bytes: number;
  /** Entries per stage that first asked. */
  by_stage: Record<string, number>;
  /** Entries per model. */
  by_model: Record<string, number>;
  /** Prompt and completion tokens the stored replies cost when they were made. */
  prompt_tokens: number;
  completion_tokens: number;
  oldest_use?: string;
  newest_use?: string;
}

/** A touch is written at most this often per entry: a rerun's hits should not each be a write. */
const TOUCH_EVERY_MS = 60 * 60 * 1000;
/** Eviction goes below the bound by this share, so that it does not run again at the next write. */
const EVICT_TO = 0.9;
/** Per-entry overhead counted besides the reply: key, LRU row and LMDB's own bookkeeping, roughly. */
const ENTRY_OVERHEAD = 160;

export class ResponseCacheStore {
  private readonly root: RootDatabase;
  private readonly replies: Database<Entry, string>;
  private readonly lru: Database<null, [number, string]>;
  private readonly meta: Database<number, string>;
  private readonly pending = new Set<Promise<unknown>>();
  /**
   * Replies put but not yet committed: LMDB commits writes asynchronously, and an identical
   * request that comes right after the first one's reply must find it all the same.
   */
  private readonly unwritten = new Map<string, CachedReply>();
  private evicting = false;

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.root = open({ path: dir, maxDbs: 4 });
    this.replies = this.root.openDB<Entry, string>({ name: "replies" });
    this.lru = this.root.openDB<null, [number, string]>({ name: "lru" });
    this.meta = this.root.openDB<number, string>({ name: "meta" });
  }

  /** Opens (or creates) the cache in `dir`; throws with what to do when the folder is unusable. */
  static open(dir: string, maxBytes: number): ResponseCacheStore {
    try {
      return new ResponseCacheStore(dir, maxBytes);
    } catch (err) {
      throw new Error(`cannot open the response cache in ${dir} (${(err as Error).message}): pass --cache DIR with a writable folder, or --no-cache`);
    }
  }

  get(key: string): CachedReply | undefined {
    const fresh = this.unwritten.get(key);
    if (fresh) return fresh;
    const e = this.replies.get(key);
    if (!e) return undefined;
    const now = Date.now();
    if (now - e.used > TOUCH_EVERY_MS) this.track(this.touch(key, now));
    return e.reply;
  }

  /** Stores a reply. Not awaited by callers: `close()` waits for every write still in flight. */
  put(key: string, reply: CachedReply): void {
    this.unwritten.set(key, reply);
    this.track(
      this.write(key, reply).finally(() => {
        if (this.unwritten.get(key) === reply) this.unwritten.delete(key);
      }),
    );
  }

  /** Stored bytes as counted (see ENTRY_OVERHEAD). */
  bytes(): number {
    return this.meta.get("bytes") ?? 0;
  }

  entries(): number {
    return this.replies.getCount();
  }

  stats(): CacheStoreStats {
    const s: CacheStoreStats = { dir: this.dir, entries: 0, bytes: this.bytes(), max_bytes: this.maxBytes, by_stage: {}, by_model: {}, prompt_tokens: 0, completion_tokens: 0 };
    let oldest = Infinity;
    let newest = -Infinity;
    for (const { value: e } of this.replies.getRange({})) {
      s.entries++;
      s.by_stage[e.reply.stage] = (s.by_stage[e.reply.stage] ?? 0) + 1;
      s.by_model[e.reply.model] = (s.by_model[e.reply.model] ?? 0) + 1;
      s.prompt_tokens += e.reply.usage.prompt_tokens;
      s.completion_tokens += e.reply.usage.completion_tokens;
      oldest = Math.min(oldest, e.used);
      newest = Math.max(newest, e.used);
    }
    if (s.entries > 0) (s.oldest_use = new Date(oldest).toISOString()), (s.newest_use = new Date(newest).toISOString());
    return s;
  }

  /**
   * Removes least-recently-used entries until at most `targetBytes` are stored, and entries
   * not used since `olderThanMs` (epoch ms) when given. Returns how many went.
   */
  async prune(targetBytes: number, olderThanMs?: number): Promise<{ removed: number; bytes: number }> {
    await this.flush();
    return this.evict(targetBytes, olderThanMs);
  }

  /** The pruning itself; no flush first (a write that evicts must not wait for itself). */
  private async evict(targetBytes: number, olderThanMs?: number): Promise<{ removed: number; bytes: number }> {
    const removed = await this.root.transaction(() => {
      let total = this.meta.get("bytes") ?? 0;
      let n = 0;
      const victims: [number, string][] = [];
      for (const { key } of this.lru.getRange({})) {
        const [used] = key;
        if (total <= targetBytes && (olderThanMs === undefined || used >= olderThanMs)) break;
        victims.push(key);
        total -= this.replies.get(key[1])?.size ?? 0;
      }
      for (const k of victims) {
        this.lru.remove(k);
        if (this.replies.get(k[1])) this.replies.remove(k[1]), n++;
      }
      this.meta.put("bytes", Math.max(0, total));
      return n;
    });
    return { removed, bytes: this.bytes() };
  }

  /** Waits for every write in flight. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.root.close();
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => {
      // A cache write that fails (disk full, say) costs a future hit, never the run.
    });
    this.pending.add(q);
    void q.finally(() => this.pending.delete(q));
  }

  private async write(key: string, reply: CachedReply): Promise<void> {
    const size = Buffer.byteLength(JSON.stringify(reply)) + ENTRY_OVERHEAD;
    const over = await this.root.transaction(() => {
      // Read inside the write transaction: another process may have written the same key.
      const old = this.replies.get(key);
      if (old) this.lru.remove([old.used, key]);
      const used = Date.now();
      this.replies.put(key, { reply, size, used });
      this.lru.put([used, key], null);
      const total = (this.meta.get("bytes") ?? 0) - (old?.size ?? 0) + size;
      this.meta.put("bytes", total);
      return total > this.maxBytes;
    });
    if (over && !this.evicting) {
      this.evicting = true;
      try {
        await this.evict(Math.floor(this.maxBytes * EVICT_TO));
      } finally {
        this.evicting = false;
      }
    }
  }

  private async touch(key: string, now: number): Promise<void> {
    await this.root.transaction(() => {
      const e = this.replies.get(key);
      if (!e) return;
      this.lru.remove([e.used, key]);
      this.replies.put(key, { ...e, used: now });
      this.lru.put([now, key], null);
    });
  }
}
