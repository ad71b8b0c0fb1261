/**
 * One writer per output: an exclusive lock file per writer of an output directory,
 * `<dir>/.lock-<name>` (`main`, a shard `s0of4`, a queue chunk `c-…`, `curate`, `export`,
 * `merge`, …). It holds the owner's host, pid, start time and command, so a second writer can
 * say who is in the way.
 *
 * Taking it is an exclusive create (O_CREAT|O_EXCL, atomic on local file systems and NFSv3+).
 * A lock left by a writer that died is taken over by the next one, judged safely:
 * - same host: the holder's pid is gone, or is another process now (its start time differs),
 *   or the machine rebooted since (the kernel's boot id differs);
 * - another host: its pid means nothing here, so the holder proves it lives by a heartbeat (it
 *   rewrites the lock's bytes every `heartbeatMs`, which moves the file's mtime), and the lock
 *   is stale once that mtime is `staleMs` old. Both times come from the file system's clock
 *   (the age is measured against a probe file written next to the lock), so clock skew
 *   between machines does not matter.
 * Two processes that find the same stale lock do not both break it: breaking takes a second,
 * short-lived lock (`.lock-<name>.break`) and re-reads the lock under it.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, unlinkSync, writeSync, fsyncSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { asOutputError } from "./io-error.js";

export interface LockOwner {
  host: string;
  pid: number;
  /** When the lock was taken (ISO 8601). */
  started_at: string;
  /** What holds it, e.g. "webscale-rl run". */
  command: string;
  /** Tells this lock from a later one at the same path. */
  token: string;
  /** Linux: the kernel's boot id, so that a pid from before a reboot is not taken for a live one. */
  boot_id?: string;
  /** Linux: the holder's start time in clock ticks since boot, so that a reused pid is not taken for the holder. */
  pid_start?: string;
}

export interface LockOptions {
  /** Shown to whoever finds the lock held (default "webscale-rl"). */
  command?: string;
  /** How often the holder proves it lives (default 10 s). */
  heartbeatMs?: number;
  /** A lock from another host whose heartbeat is this old is stale (default 120 s; env WEBSCALE_RL_LOCK_STALE_SECONDS). */
  staleMs?: number;
  /** Wait up to this long for a held lock (short critical sections); default 0: refuse at once. */
  waitMs?: number;
  /** Told when a stale lock is taken over. */
  log?: (msg: string) => void;
}

/** The state of a lock as another process sees it. */
export type LockState =
  | { state: "free" }
  | { state: "held"; owner?: LockOwner; heartbeatAgeMs?: number }
  | { state: "stale"; owner?: LockOwner; why: string };

export class LockHeldError extends Error {
  constructor(
    readonly path: string,
    readonly owner: LockOwner | undefined,
    message: string,
  ) {
    super(message);
    this.name = "LockHeldError";
  }
}

const PREFIX = ".lock-";
const DEFAULT_HEARTBEAT_MS = 10_000;
/** Above NFS's longest attribute cache (60 s) with room to spare. */
const DEFAULT_STALE_MS = 120_000;
/** A breaker lock older than this was left by a process that died while breaking. */
const BREAKER_STALE_MS = 30_000;

export const lockPath = (dir: string, name: string) => join(dir, `${PREFIX}${name}`);

function staleMsFrom(opts: { staleMs?: number }): number {
  if (opts.staleMs !== undefined) return opts.staleMs;
  const env = Number(process.env.WEBSCALE_RL_LOCK_STALE_SECONDS);
  return Number.isFinite(env) && env > 0 ? env * 1000 : DEFAULT_STALE_MS;
}

/** How another process sees the lock `<dir>/.lock-<name>`. */
export function inspectLock(dir: string, name: string, opts: { staleMs?: number } = {}): LockState {
  return judge(lockPath(dir, name), dir, staleMsFrom(opts));
}

/** The one-line description of a lock's holder used in messages. */
export function describeOwner(owner: LockOwner | undefined): string {
  if (!owner) return "a process that recorded no owner (it may have died while taking the lock)";
  return `${owner.command} (pid ${owner.pid} on ${owner.host}, since ${owner.started_at})`;
}

/**
 * Takes the lock or throws LockHeldError saying who holds it and how to break it. A stale
 * lock is taken over (and `log` told).
 */
export async function acquireLock(dir: string, name: string, opts: LockOptions = {}): Promise<OutputLock> {
  mkdirSync(dir, { recursive: true });
  const path = lockPath(dir, name);
  const staleMs = staleMsFrom(opts);
  const owner: LockOwner = {
    host: hostname(),
    pid: process.pid,
    started_at: new Date().toISOString(),
    command: opts.command ?? "webscale-rl",
    token: randomBytes(8).toString("hex"),
    ...linuxIdentity(process.pid),
  };
  const deadline = Date.now() + (opts.waitMs ?? 0);
  for (let attempt = 0; ; attempt++) {
    const fd = tryCreate(path, owner);
    if (fd !== undefined) return new OutputLock(path, fd, owner, opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    const seen = judge(path, dir, staleMs);
    if (seen.state === "free" && attempt < 20) continue; // released between our create and our look: try again
    if (seen.state === "stale") {
      if (breakStale(path, dir, seen.owner)) opts.log?.(`Took over the stale lock ${path}: ${seen.why}.`);
      if (attempt < 5) continue;
    }
    if (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    throw heldError(path, seen, staleMs);
  }
}

function heldError(path: string, seen: LockState, staleMs: number): LockHeldError {
  const owner = seen.state === "free" ? undefined : seen.owner;
  const sameHost = owner?.host === hostname();
  const beat = seen.state === "held" && seen.heartbeatAgeMs !== undefined ? `; last heartbeat ${Math.round(seen.heartbeatAgeMs / 1000)} s ago` : "";
  const how = sameHost
    ? `wait for it to finish or stop it (kill ${owner!.pid})`
    : `wait for it to finish; if that process is gone (its machine died), remove ${path}, or wait: a lock from another host is taken over once its heartbeat is ${Math.round(staleMs / 1000)} s old`;
  return new LockHeldError(path, owner, `${path} is held by ${describeOwner(owner)}${beat}: only one writer at a time; ${how}`);
}

export class OutputLock {
  private timer?: NodeJS.Timeout;
  private readonly bytes: Buffer;
  private lostHandlers: (() => void)[] = [];
  private released = false;
  lost = false;

  constructor(
    readonly path: string,
    private fd: number | undefined,
    readonly owner: LockOwner,
    heartbeatMs: number,
  ) {
    this.bytes = Buffer.from(JSON.stringify(owner) + "\n");
    this.timer = setInterval(() => this.heartbeat(), heartbeatMs);
    this.timer.unref();
    held.add(this);
  }

  /** Called once if the lock was taken from us (it was judged stale): the holder must stop writing. */
  onLost(fn: () => void): void {
    this.lostHandlers.push(fn);
  }

  /** Rewrites the same bytes in place: the mtime moves, the content never changes, so a reader never sees half a record. */
  private heartbeat(): void {
    if (this.released || this.lost || this.fd === undefined) return;
    try {
      writeSync(this.fd, this.bytes, 0, this.bytes.length, 0);
    } catch {
      return; // a full disk or a flaky mount for a moment: the next beat tries again
    }
    this.verify();
  }

  /**
   * Is the lock still ours? A writer asks before each commit, so that once another process has
   * taken the lock over, not one more commit is made (the heartbeat alone would notice later).
   */
  verify(): boolean {
    if (this.lost) return false;
    if (this.released) return true;
    if (readOwner(this.path)?.token === this.owner.token) return true;
    this.lost = true;
    clearInterval(this.timer);
    for (const fn of this.lostHandlers) fn();
    return false;
  }

  /** Removes the lock if it is still ours. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    held.delete(this);
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = undefined;
    }
    if (!this.lost && readOwner(this.path)?.token === this.owner.token) {
      try {
        unlinkSync(this.path);
      } catch {
        /* gone already */
      }
    }
  }
}

/** Locks of this process, released on exit (also on process.exit from a second Ctrl-C). */
const held = new Set<OutputLock>();
process.once("exit", () => {
  for (const lock of [...held]) lock.release();
});

function tryCreate(path: string, owner: LockOwner): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw asOutputError(err, path);
  }
  try {
    writeSync(fd, JSON.stringify(owner) + "\n");
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(path);
    } catch {
      /* nothing to clean */
    }
    throw asOutputError(err, path);
  }
  return fd;
}

function readOwner(path: string): LockOwner | undefined {
  return readLock(path)?.owner;
}

/** Content and mtime from one open file (an open revalidates NFS's cached attributes). */
function readLock(path: string): { owner?: LockOwner; mtimeMs: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    const buf = Buffer.alloc(Math.min(st.size, 64 * 1024));
    const n = buf.length ? readSync(fd, buf, 0, buf.length, 0) : 0;
    let owner: LockOwner | undefined;
    try {
      const v = JSON.parse(buf.subarray(0, n).toString("utf8")) as LockOwner;
      if (v && typeof v.pid === "number" && typeof v.host === "string") owner = v;
    } catch {
      owner = undefined; // empty or torn: the creator died between create and write
    }
    return { owner, mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

function judge(path: string, dir: string, staleMs: number): LockState {
  const lock = readLock(path);
  if (!lock) return { state: "free" };
  const { owner } = lock;
  if (owner && owner.host === hostname()) {
    const here = linuxIdentity(owner.pid);
    if (owner.boot_id && here.boot_id && owner.boot_id !== here.boot_id) return { state: "stale", owner, why: `the machine restarted since process ${owner.pid} took it` };
    if (!pidAlive(owner.pid)) return { state: "stale", owner, why: `process ${owner.pid} is gone` };
    if (owner.pid_start && here.pid_start && owner.pid_start !== here.pid_start) return { state: "stale", owner, why: `process ${owner.pid} is gone (its pid now belongs to another process)` };
    return { state: "held", owner };
  }
  const age = fileSystemNow(dir) - lock.mtimeMs;
  if (age > staleMs) return { state: "stale", owner, why: `no heartbeat for ${Math.round(age / 1000)} s` };
  return { state: "held", owner, heartbeatAgeMs: Math.max(0, age) };
}

/**
 * Breaks a stale lock under a breaker lock, re-reading it first: if another process broke it
 * and took a fresh lock meanwhile, that one is left alone. Returns true when it removed it.
 */
function breakStale(path: string, dir: string, judged: LockOwner | undefined): boolean {
  const breaker = `${path}.break`;
  let fd: number;
  try {
    fd = openSync(breaker, "wx");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    const b = readLock(breaker);
    if (b && fileSystemNow(dir) - b.mtimeMs > BREAKER_STALE_MS) unlinkQuiet(breaker);
    return false;
  }
  try {
    const now = readOwner(path);
    if (now?.token !== judged?.token) return false;
    unlinkQuiet(path);
    return true;
  } finally {
    closeSync(fd);
    unlinkQuiet(breaker);
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** The file system's idea of now: the mtime of a file written just now next to the lock. */
function fileSystemNow(dir: string): number {
  const probe = join(dir, `${PREFIX}probe-${randomBytes(6).toString("hex")}`);
  try {
    const fd = openSync(probe, "w");
    try {
      writeSync(fd, "1");
      return fstatSync(fd).mtimeMs;
    } finally {
      closeSync(fd);
      unlinkQuiet(probe);
    }
  } catch {
    return Date.now(); // a read-only view of the directory: our own clock is the best we have
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function linuxIdentity(pid: number): { boot_id?: string; pid_start?: string } {
  const out: { boot_id?: string; pid_start?: string } = {};
  try {
    out.boot_id = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    /* not Linux */
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22 (starttime), counted after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[19]) out.pid_start = fields[19];
  } catch {
    /* not Linux, or the process is gone */
  }
  return out;
}
