/** Stable content hashes for ids (documents without an id, QA pairs, shards). */
import { createHash } from "node:crypto";

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** 16 hex chars of sha256: enough for ids of 100M documents without practical collisions. */
export function shortHash(...parts: string[]): string {
  return sha256Hex(parts.join("\u0000")).slice(0, 16);
}

/** A 32-bit unsigned hash of a string (FNV-1a) for shard assignment and seeded sampling. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
