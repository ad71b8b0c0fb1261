/**
 * Resume state in `state/`: `finished-<tag>.txt` lists the keys of finished units (one per
 * line) and `checkpoint-<tag>.json` is the commit record — part positions, the ledger's
 * length, cumulative stats. The checkpoint is replaced atomically (write + rename), so after
 * a kill at any moment the last checkpoint describes a consistent state: outputs and ledger
 * are cut back to it, and every unit not in the ledger is redone.
 */
import { closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import type { PartPosition } from "./part-writer.js";
import { writeFully } from "../io/atomic-file.js";
import type { LlmStats } from "../records.js";
import type { TrackerState } from "./stats-tracker.js";
import type { IoStats } from "../io/remote/io-stats.js";

export interface Checkpoint {
  version: 1;
  ledgerBytes: number;
  parts: Record<string, PartPosition>;
  tracker: TrackerState;
  /** LLM counters of all earlier sessions and of this one up to the commit. */
  llm: LlmStats;
  /** Source files fully processed and committed, with how many source records each had. */
  filesDone: Record<string, number>;
  wallSeconds: number;
  sessions: number;
  /** The curation gate's state at this commit (what its commit returned); a resume cuts the gate back to it. */
  gate?: unknown;
  /** Remote I/O counters of all sessions up to the commit (absent when nothing was remote). */
  io?: IoStats;
}

/** The writer's last checkpoint in `stateDir`, if any. */
export function readCheckpoint<C extends { ledgerBytes: number } = Checkpoint>(stateDir: string, tag: string): C | undefined {
  const file = join(stateDir, `checkpoint-${tag}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as C) : undefined;
}

export class Ledger {
  private fd: number;
  private pending: string[] = [];
  private bytes = 0;
  /**
   * Units finished in earlier sessions (loaded at start). Units finished in this session are
   * not added: keys are positions, so a unit never comes round twice in one session, and a
   * set of every key would grow by ~100 bytes per document over a long run.
   */
  readonly finished = new Set<string>();

  constructor(
    readonly stateDir: string,
    readonly tag: string,
  ) {
    mkdirSync(stateDir, { recursive: true });
    const file = this.ledgerFile();
    this.fd = openSync(file, "a");
  }

  private ledgerFile() {
    return join(this.stateDir, `finished-${this.tag}.txt`);
  }
  private checkpointFile() {
    return join(this.stateDir, `checkpoint-${this.tag}.json`);
  }
  /** The ledger file (for messages). */
  get path(): string {
    return this.ledgerFile();
  }
  /** The checkpoint file (for messages). */
  get checkpointPath(): string {
    return this.checkpointFile();
  }

  /** Loads the last checkpoint and cuts the ledger back to it (a rollout keeps its own kind of checkpoint: `C`). */
  load<C extends { ledgerBytes: number } = Checkpoint>(): C | undefined {
    const cp = readCheckpoint<C>(this.stateDir, this.tag);
    const ledgerBytes = cp?.ledgerBytes ?? 0;
    if (statSync(this.ledgerFile()).size > ledgerBytes) truncateSync(this.ledgerFile(), ledgerBytes);
    this.bytes = ledgerBytes;
    if (ledgerBytes > 0) {
      const text = readFileSync(this.ledgerFile(), "utf8");
      for (const key of text.split("\n")) if (key) this.finished.add(key);
    }
    return cp;
  }

  markFinished(key: string): void {
    this.pending.push(key);
  }

  /** Appends pending keys and syncs; returns the ledger's committed length. */
  flush(): number {
    if (this.pending.length > 0) {
      const buf = Buffer.from(this.pending.join("\n") + "\n", "utf8");
      writeFully(this.fd, buf);
      fdatasyncSync(this.fd);
      this.bytes += buf.length;
      this.pending = [];
    }
    return this.bytes;
  }

  writeCheckpoint(cp: { ledgerBytes: number }): void {
    const tmp = this.checkpointFile() + ".tmp";
    const fd = openSync(tmp, "w");
    writeFully(fd, Buffer.from(JSON.stringify(cp)));
    fdatasyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.checkpointFile());
  }

  close(): void {
    closeSync(this.fd);
  }
}

export { writeJsonAtomic } from "../io/atomic-file.js";
