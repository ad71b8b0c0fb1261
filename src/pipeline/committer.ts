/**
 * Committing: a recorded unit's results go to the part writers (qa/, rejected/, documents/),
 * its key to the ledger, its counts to the stats; every commit syncs them and replaces the
 * checkpoint that names their committed lengths (checkpoint.ts). After a kill at any moment,
 * the last checkpoint describes a consistent state that the next run cuts back to.
 *
 * A failed write (disk full, a dying disk) stops committing for good: the error, naming the
 * file, goes to `onFailure`, and nothing after it is written, so the last checkpoint stays the
 * one to resume from.
 */
import { join } from "node:path";
import { addLlmStats, emptyLlmStats } from "../llm/counters.js";
import type { LlmClient } from "../llm/types.js";
import type { DocumentRecord, LlmStats, QaRecord, Rejection, Stats } from "../records.js";
import type { DocResult } from "../stages/process-document.js";
import { runPaths } from "../io/run-dir.js";
import { asOutputError, writingTo } from "../io/io-error.js";
import { writeJsonAtomic } from "../io/atomic-file.js";
import { PartWriter } from "./part-writer.js";
import { Ledger, type Checkpoint } from "./checkpoint.js";
import { StatsTracker } from "./stats-tracker.js";
import type { FileProgress } from "./file-progress.js";
import type { IoStats } from "../io/remote/io-stats.js";
import type { RemoteIO } from "../io/remote/remote-io.js";

/** Curation hooks (src/curate): quota before generation, admission after check. */
export interface PairGate {
  quotaAllows(domain: string): boolean;
  admit(rec: QaRecord): Rejection | null;
  commit(): Promise<void>;
  /** Where the gate's state stands, kept in each checkpoint: a resume cuts the gate back to it (see openRunGate). */
  mark(): unknown;
  stats(): Record<string, unknown>;
  close(): Promise<void>;
}

/** What a recorded unit produced. */
export type UnitOutcome = { rejection: Rejection } | { result: DocResult };

export interface CommitterOptions {
  out: string;
  tag: string;
  partRecords: number;
  llm: LlmClient;
  gate?: PairGate;
  files: (prevDone: Record<string, number>) => FileProgress;
  onFailure: (err: unknown) => void;
  /** Asked before each commit: false = the output is no longer ours, write nothing more. */
  stillOwner?: () => boolean;
}

export class Committer {
  readonly writers: Record<"qa" | "rejected" | "documents", PartWriter>;
  readonly tracker: StatsTracker;
  readonly files: FileProgress;
  readonly sessions: number;
  /** Counters of earlier sessions (this session's come from the client). */
  readonly llmBase: LlmStats;
  readonly resumed: boolean;
  /** Remote I/O counters of earlier sessions (absent when nothing was remote). */
  readonly ioBase?: IoStats;
  /** The run's remote I/O, whose counters go into each checkpoint and stats.json. */
  io?: RemoteIO;
  /** Units that failed on the model server in this session (stats.documents_failed). */
  failedUnits = 0;
  private readonly ledger: Ledger;
  private readonly statsPath: string;
  private readonly prevWall: number;
  private readonly started = Date.now();
  private lastStatsWrite = -Infinity;
  private lastSample = -Infinity;
  private chain: Promise<void> = Promise.resolve();
  private failed = false;
  private finalStats?: Stats;

  constructor(private readonly o: CommitterOptions) {
    const paths = runPaths(o.out);
    // Several writers (shards, queue chunks) share one --out: each keeps its own stats in
    // state/, and `webscale-rl merge` combines them into stats.json.
    this.statsPath = o.tag === "main" ? paths.stats : join(paths.state, `stats-${o.tag}.json`);
    this.ledger = writingTo(paths.state, () => new Ledger(paths.state, o.tag));
    const cp = writingTo(paths.state, () => this.ledger.load());
    this.resumed = cp !== undefined;
    const folders = { qa: paths.qa, rejected: paths.rejected, documents: paths.documents };
    this.writers = {
      qa: new PartWriter(folders.qa, o.tag, o.partRecords),
      rejected: new PartWriter(folders.rejected, o.tag, o.partRecords),
      documents: new PartWriter(folders.documents, o.tag, o.partRecords),
    };
    for (const [name, w] of Object.entries(this.writers)) writingTo(w.dir, () => w.restore(cp?.parts[name]));
    this.tracker = new StatsTracker(cp?.tracker);
    this.llmBase = cp?.llm ?? emptyLlmStats();
    this.files = o.files(cp?.filesDone ?? {});
    this.sessions = (cp?.sessions ?? 0) + 1;
    this.prevWall = cp?.wallSeconds ?? 0;
    this.ioBase = cp?.io;
  }

  /** Units finished in earlier sessions: the reader skips them. */
  get finished(): ReadonlySet<string> {
    return this.ledger.finished;
  }

  /** Seconds of this session. */
  elapsed(): number {
    return (Date.now() - this.started) / 1000;
  }

  /** LLM counters of all sessions so far. */
  llmTotal(): LlmStats {
    return addLlmStats(this.llmBase, this.o.llm.stats());
  }

  /**
   * Records one finished unit (in input order). `first`: the unit that carries its source
   * record's count; `extraWindows`: the document's units beyond the first.
   */
  record(key: string, file: string, first: boolean, extraWindows: number, outcome: UnitOutcome): void {
    if (this.failed) return;
    const { tracker, writers } = this;
    try {
      if (first) tracker.sourceRecord(), tracker.extraWindows(extraWindows);
      if ("rejection" in outcome) this.reject(outcome.rejection);
      else {
        const res = outcome.result;
        tracker.unit(res);
        for (const rej of res.rejections) writers.rejected.add(rej);
        let kept = 0;
        for (const rec of res.accepted) {
          const verdict = this.o.gate?.admit(rec) ?? null;
          if (verdict) this.reject(verdict);
          else writers.qa.add(rec), tracker.kept(rec.domain), kept++;
        }
        if (kept > 0) {
          const doc: DocumentRecord = { doc_id: res.doc.id, text: res.doc.text, source: res.doc.source, domain: res.domain };
          writers.documents.add(doc);
        }
      }
      this.ledger.markFinished(key);
      this.files.settle(file, true);
    } catch (err) {
      this.fail(err);
    }
  }

  /** A unit that failed or was abandoned: not recorded, so the next run does it again. */
  skip(file: string): void {
    this.files.settle(file, false);
  }

  private reject(r: Rejection): void {
    this.tracker.reject(r);
    this.writers.rejected.add(r);
  }

  /** Queues a commit after the ones already queued; resolves when it is done (or skipped after a failure). */
  commit(final = false): Promise<void> {
    this.chain = this.chain.then(() => this.commitNow(final));
    return this.chain;
  }

  private async commitNow(final: boolean): Promise<void> {
    if (this.failed) return;
    if (this.o.stillOwner && !this.o.stillOwner()) return this.stopWriting();
    try {
      for (const w of Object.values(this.writers)) w.flush();
      const ledgerBytes = writingTo(this.ledger.path, () => this.ledger.flush());
      const llmTotal = this.llmTotal();
      const t = this.elapsed();
      if (t - this.lastSample >= 5 || final) this.tracker.sample(this.prevWall + t, llmTotal), (this.lastSample = t);
      const snapshot: Checkpoint = {
        version: 1,
        ledgerBytes,
        parts: { qa: this.writers.qa.position(), rejected: this.writers.rejected.position(), documents: this.writers.documents.position() },
        tracker: structuredClone(this.tracker.state),
        llm: llmTotal,
        filesDone: { ...this.files.done },
        wallSeconds: this.prevWall + t,
        sessions: this.sessions,
        gate: this.o.gate?.mark(),
        io: this.ioStats(),
      };
      // Curation state is persisted before the checkpoint that refers to its pairs; a resume
      // cuts it back to the mark (pairs admitted later are admitted again, in the same order).
      try {
        await this.o.gate?.commit();
      } catch (err) {
        throw asOutputError(err, join(runPaths(this.o.out).state, `curate-${this.o.tag}`));
      }
      writingTo(this.ledger.checkpointPath, () => this.ledger.writeCheckpoint(snapshot));
      if (final || t - this.lastStatsWrite >= 5) {
        const stats = this.tracker.toStats(llmTotal, this.prevWall + t, this.o.gate?.stats());
        if (this.failedUnits > 0) stats.documents_failed = this.failedUnits;
        const io = this.ioStats();
        if (io) stats.io = io;
        writeJsonAtomic(this.statsPath, stats);
        this.lastStatsWrite = t;
        this.finalStats = stats;
      }
    } catch (err) {
      this.fail(err);
    }
  }

  private ioStats(): IoStats | undefined {
    return this.io && !this.io.meter.idle ? structuredClone(this.io.stats) : undefined;
  }

  /** Writes nothing more (the output now belongs to another writer); the last checkpoint stays as it is. */
  stopWriting(): void {
    this.failed = true;
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.o.onFailure(asOutputError(err));
  }

  /** The stats of the last commit (after a failure: as of the last good one, or built from the counters). */
  stats(): Stats {
    if (this.finalStats) return this.finalStats;
    const stats = this.tracker.toStats(this.llmTotal(), this.prevWall + this.elapsed(), this.o.gate?.stats());
    if (this.failedUnits > 0) stats.documents_failed = this.failedUnits;
    return stats;
  }

  close(): void {
    for (const w of Object.values(this.writers)) {
      try {
        w.close();
      } catch {
        /* closing after a failed write: nothing more to lose */
      }
    }
    try {
      this.ledger.close();
    } catch {
      /* as above */
    }
  }
}
