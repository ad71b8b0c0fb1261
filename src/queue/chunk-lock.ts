/**
 * One worker per chunk at a time. BullMQ delivers a job to one worker, but a worker that
 * stalls (a long GC pause, a network partition) loses its job lock and the job is handed
 * to another while the first may still be writing. Both would then append to the same
 * chunk's parts and state. This Redis lock (SET NX PX, renewed by a heartbeat, released only
 * by its owner) makes the second one step back; a lock whose owner died expires after `ttlMs`.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { withinMs } from "./redis.js";

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class ChunkLock {
  private timer?: NodeJS.Timeout;
  private lostHandlers: (() => void)[] = [];
  lost = false;

  private constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly owner: string,
    private readonly ttlMs: number,
  ) {}

  /** The lock, or undefined when another worker holds it. */
  static async acquire(redis: Redis, key: string, ttlMs: number, ownerHint = ""): Promise<ChunkLock | undefined> {
    const owner = `${ownerHint}${randomBytes(6).toString("hex")}`;
    const ok = await redis.set(key, owner, "PX", ttlMs, "NX");
    if (ok !== "OK") return undefined;
    const lock = new ChunkLock(redis, key, owner, ttlMs);
    lock.timer = setInterval(() => void lock.renew(), Math.max(50, Math.floor(ttlMs / 3)));
    lock.timer.unref();
    return lock;
  }

  /** Called once if the lock is lost (expired and maybe taken): the holder must stop writing. */
  onLost(fn: () => void): void {
    this.lostHandlers.push(fn);
  }

  private async renew(): Promise<void> {
    if (this.lost) return;
    let ok = 0;
    try {
      ok = Number(await this.redis.eval(RENEW, 1, this.key, this.owner, this.ttlMs));
    } catch {
      return; // Redis unreachable for a moment: try again at the next beat, the TTL still covers us.
    }
    if (ok === 0) {
      this.lost = true;
      clearInterval(this.timer);
      for (const fn of this.lostHandlers) fn();
    }
  }

  /** Releases the lock; when Redis cannot be reached within 2 s it gives up: the lock then expires after its TTL. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    if (this.lost) return;
    await withinMs(this.redis.eval(RELEASE, 1, this.key, this.owner), 2000).catch(() => undefined);
  }
}
