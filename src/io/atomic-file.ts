/** Whole-file writes that readers never see half done: write a temporary file, then rename it over. */
import { renameSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { writingTo } from "./io-error.js";

/** Atomic JSON write (stats.json, run.json, status files). */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  // A per-process temp name: writers sharing an --out (shards, queue workers) may write run.json at once.
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  writingTo(path, () => {
    try {
      writeFileSync(tmp, content);
      renameSync(tmp, path);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        /* never created */
      }
      throw err;
    }
  });
}

/**
 * Writes all of `buf` at the file's current position. writeSync may write less than asked
 * (a disk filling up does that before it fails with ENOSPC); counting the rest as written
 * would make a checkpoint name bytes that are not there.
 */
export function writeFully(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}
