/**
 * The orchestrator: streams source documents through the stages with a bounded number in
 * flight, writes results, and commits a checkpoint every second so that a killed run resumes
 * exactly where it stopped (see checkpoint.ts). It owns time and state; stages and engines
 * never write files.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RunConfig } from "../config/schema.js";
import type { LlmClient } from "../llm/types.js";
import { addLlmStats, emptyLlmStats } from "../llm/counters.js";
import type { DocumentRecord, QaRecord, Rejection, Stats } from "../records.js";
import { runPaths } from "../io/run-dir.js";
import { expandInputSpecs, readSources, type InputSpec } from "../io/sources/index.js";
import { RemoteIO } from "../io/remote/remote-io.js";
import { displayUrl } from "../io/remote/location.js";
import { pinRemoteInputs } from "./input-pins.js";
import { loadDemoLibrary } from "../prompts/demos.js";
import { makeProcessor, planStages, type DocResult } from "../stages/process-document.js";
import { prefilter } from "../stages/prefilter.js";
import { TransientFailure } from "../stages/outcome.js";
import { fnv1a32 } from "../util/hash.js";
import { PartWriter } from "./part-writer.js";
import { Ledger, writeJsonAtomic, type Checkpoint } from "./checkpoint.js";
import { StatsTracker } from "./stats-tracker.js";
import { Semaphore } from "./semaphore.js";
import { toUnits, unitKey } from "./units.js";
import { estimateTokens } from "../util/tokens.js";
import { makeProgress, type Progress } from "./progress.js";
import { redactConfig } from "../config/redact.js";
import { PROMPT_VERSION, VERSION } from "../version.js";

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

export interface RunOptions {
  llm: LlmClient;
  gate?: PairGate;
  /** Aborting it stops reading new documents; in-flight ones finish and are committed. */
  signal?: AbortSignal;
  log?: (msg: string) => void;
  progress?: Progress;
  /** Units in flight or awaiting their turn to be recorded; default 4 × the engine's request concurrency. */
  window?: number;
  commitIntervalMs?: number;
  /**
   * Explicit inputs (files or line/row ranges) instead of expanding `config.inputs`: the
   * queue worker runs one chunk this way. Default: `expandInputSpecs(config.inputs)`, remote files pinned (input-pins.ts).
   */
  inputs?: (string | InputSpec)[];
  /** Names this writer's part files and state (default: "main", or the shard "sIofN"). */
  tag?: string;
}

export interface RunResult {
  stats: Stats;
  /** Set when the run stopped early: by the signal, or because the model server kept failing. */
  stoppedBy?: "signal" | "model_errors";
  failedUnits: number;
  lastError?: string;
}

/** After this many units in a row fail for transient model errors, the run stops (and can be resumed). */
const MAX_CONSECUTIVE_FAILURES = 25;

export function shardTag(config: RunConfig): string {
  return config.shard ? `s${config.shard.index}of${config.shard.count}` : "main";
}

export function inShard(docId: string, shard: RunConfig["shard"]): boolean {
  return !shard || fnv1a32(docId) % shard.count === shard.index;
}

export async function runPipeline(config: RunConfig, opts: RunOptions): Promise<RunResult> {
  const log = opts.log ?? ((m: string) => process.stderr.write(m + "\n"));
  const { llm, gate } = opts;
  const paths = runPaths(config.out);
  for (const d of [paths.root, paths.qa, paths.rejected, paths.documents, paths.state]) mkdirSync(d, { recursive: true });

  const tag = opts.tag ?? shardTag(config);
  // Several writers (shards, queue chunks) share one --out: each keeps its own stats in
  // state/, and `webscale-rl merge` combines them into stats.json.
  const statsPath = tag === "main" ? paths.stats : join(paths.state, `stats-${tag}.json`);
  const ledger = new Ledger(paths.state, tag);
  const cp = ledger.load();
  const writers = {
    qa: new PartWriter(paths.qa, tag, config.partRecords),
    rejected: new PartWriter(paths.rejected, tag, config.partRecords),
    documents: new PartWriter(paths.documents, tag, config.partRecords),
  };
  for (const [name, w] of Object.entries(writers)) w.restore(cp?.parts[name]);
  const tracker = new StatsTracker(cp?.tracker);
  const llmBase = cp?.llm ?? emptyLlmStats();
  const filesDone: Record<string, number> = { ...(cp?.filesDone ?? {}) };
  const sessions = (cp?.sessions ?? 0) + 1;
  if (cp) log(`Resuming ${config.out}: ${tracker.state.documents_read} documents and ${tracker.state.qa_accepted} pairs already done.`);
  // Remote inputs: stores, retries and the io counters of stats.json (carried across sessions).
  const io = new RemoteIO({ log, stats: cp?.io, policy: { retries: config.io.retries, backoffMs: config.io.backoffMs, timeoutMs: config.io.timeoutMs }, pieceBytes: config.io.pieceBytes });
  // Inputs are listed (and remote ones pinned) before anything else starts: a configuration
  // problem (no such file, no credentials, no access) stops the run here, before any work.
  let inputs: (string | InputSpec)[];
  try {
    inputs = opts.inputs ?? pinRemoteInputs(paths.state, tag, await expandInputSpecs(config.inputs, io), ledger.finished, filesDone, log);
  } catch (err) {
    ledger.close();
    io.close();
    throw err;
  }
  writeRunJson(config, llm, paths.run, sessions);

  const { library, missing } = loadDemoLibrary(config.domains, config.demosDir);
  if (missing.length) log(`No demonstrations for: ${missing.join(", ")} (those domains are generated zero-shot).`);
  const processDocument = makeProcessor({ llm, config, demos: library }, { quotaAllows: gate ? (d) => gate.quotaAllows(d) : undefined });

  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const prevWall = cp?.wallSeconds ?? 0;
  const progress = opts.progress ?? makeProgress(config.progress);
  const sem = new Semaphore(opts.window ?? Math.max(8, llm.maxConcurrency * 4));

  // --- results → outputs --------------------------------------------------------------
  let failedUnits = 0;
  let consecutiveFailures = 0;
  let lastError: string | undefined;
  let stoppedBy: RunResult["stoppedBy"];
  const fileState = new Map<string, { ended: boolean; outstanding: number; records: number; failed: boolean }>();

  const writeRejection = (r: Rejection) => {
    tracker.reject(r);
    writers.rejected.add(r);
  };

  /** Records one finished unit. `first` = the unit that carries its source record's count. */
  function finish(key: string, file: string, first: boolean, extraWindows: number, r: { rejection: Rejection } | { result: DocResult }) {
    if (first) tracker.sourceRecord(), tracker.extraWindows(extraWindows);
    if ("rejection" in r) writeRejection(r.rejection);
    else {
      const res = r.result;
      tracker.unit(res);
      for (const rej of res.rejections) writers.rejected.add(rej);
      let kept = 0;
      for (const rec of res.accepted) {
        const verdict = gate?.admit(rec) ?? null;
        if (verdict) writeRejection(verdict);
        else writers.qa.add(rec), tracker.kept(rec.domain), kept++;
      }
      if (kept > 0) {
        const docRec: DocumentRecord = { doc_id: res.doc.id, text: res.doc.text, source: res.doc.source, domain: res.domain };
        writers.documents.add(docRec);
      }
    }
    ledger.markFinished(key);
    const fs = fileState.get(file);
    if (fs) fs.outstanding--, maybeFileDone(file);
  }

  function maybeFileDone(file: string) {
    const fs = fileState.get(file)!;
    if (fs.ended && fs.outstanding === 0 && !fs.failed) filesDone[file] = fs.records;
  }

  // --- commits ------------------------------------------------------------------------
  let lastStatsWrite = 0;
  let finalStats: Stats | undefined;
  let lastSample = -Infinity;
  let committing: Promise<void> = Promise.resolve();
  const commit = (final = false) =>
    (committing = committing.then(async () => {
      for (const w of Object.values(writers)) w.flush();
      const ledgerBytes = ledger.flush();
      const llmTotal = addLlmStats(llmBase, llm.stats());
      const t = elapsed();
      if (t - lastSample >= 5 || final) tracker.sample(prevWall + t, llmTotal), (lastSample = t);
      const snapshot: Checkpoint = {
        version: 1,
        ledgerBytes,
        parts: { qa: writers.qa.position(), rejected: writers.rejected.position(), documents: writers.documents.position() },
        tracker: structuredClone(tracker.state),
        llm: llmTotal,
        filesDone: { ...filesDone },
        wallSeconds: prevWall + t,
        sessions,
        gate: gate?.mark(),
        io: io.meter.idle ? undefined : structuredClone(io.stats),
      };
      // Curation state is persisted before the checkpoint that refers to its pairs; a resume
      // cuts it back to the mark (pairs admitted later are admitted again, in the same order).
      await gate?.commit();
      ledger.writeCheckpoint(snapshot);
      if (final || t - lastStatsWrite >= 5) {
        const stats = tracker.toStats(llmTotal, prevWall + t, gate?.stats());
        if (failedUnits > 0) stats.documents_failed = failedUnits;
        if (!io.meter.idle) stats.io = structuredClone(io.stats);
        writeJsonAtomic(statsPath, stats);
        lastStatsWrite = t;
        finalStats = stats;
      }
    }));
  const timer = setInterval(() => void commit(), opts.commitIntervalMs ?? 1000);
  const progressTimer = setInterval(() => {
    const l = llm.stats();
    progress.update({ documents: tracker.state.documents_read, accepted: tracker.state.qa_accepted, inFlight: sem.inFlight, tokens: l.prompt_tokens + l.completion_tokens, elapsed: elapsed(), limit: config.limit });
  }, 500);

  // --- ordered completion -------------------------------------------------------------
  // Units finish out of order but are recorded in input order: curation's "keep the first"
  // and the ledger then see the same sequence whatever the concurrency, and the committed
  // units always form a prefix of the input, so a resumed run continues exactly where the
  // last one stopped. A unit's window slot is freed when it is recorded, which bounds the
  // reorder buffer too.
  let readSeq = 0;
  let nextSeq = 0;
  const completed = new Map<number, () => void>();
  const slot = async () => {
    await sem.acquire();
    return readSeq++;
  };
  const complete = (seq: number, record: () => void) => {
    completed.set(seq, record);
    for (let next = completed.get(nextSeq); next; next = completed.get(nextSeq)) {
      completed.delete(nextSeq++);
      next();
      sem.release();
    }
  };

  // --- the read loop --------------------------------------------------------------------
  // A whole file is keyed by its label (source.file), as filesDone is; a slice by its range.
  const specKey = (i: string | InputSpec) => {
    if (typeof i === "string") return displayUrl(i);
    const whole = i.fromLine === undefined && i.fromRow === undefined && i.toLine === undefined && i.toRow === undefined;
    return whole ? displayUrl(i.path) : `${i.path}#${i.fromLine ?? i.fromRow ?? ""}-${i.toLine ?? i.toRow ?? ""}`;
  };
  const files = inputs.filter((f) => !(specKey(f) in filesDone));
  let seen = Object.values(filesDone).reduce((a, b) => a + b, 0);
  let currentFile: string | undefined;
  const endFile = (file: string | undefined) => {
    if (!file) return;
    const fs = fileState.get(file);
    if (fs) (fs.ended = true), maybeFileDone(file);
  };

  try {
    for await (const item of readSources(files, { textField: config.textField, idField: config.idField, io })) {
      if (opts.signal?.aborted) {
        stoppedBy ??= "signal";
        break;
      }
      if (stoppedBy) break;
      if (config.limit !== undefined && seen >= config.limit) break;
      const source = item.kind === "doc" ? item.doc.source : item.rejection.source;
      if (source.file !== currentFile) {
        endFile(currentFile);
        currentFile = source.file;
        if (!fileState.has(source.file)) fileState.set(source.file, { ended: false, outstanding: 0, records: 0, failed: false });
      }
      const fs = fileState.get(source.file)!;
      fs.records++;
      seen++;

      if (item.kind === "bad") {
        const key = `bad:${unitKey(item.rejection)}`;
        // A bad line has no document id: its location picks the one shard that records it.
        if (!inShard(key, config.shard)) continue;
        if (!ledger.finished.has(key)) {
          fs.outstanding++;
          const seq = await slot();
          complete(seq, () => finish(key, source.file, true, 0, { rejection: item.rejection }));
        }
        continue;
      }
      const doc = item.doc;
      if (!inShard(doc.id, config.shard)) continue;

      const tokens = estimateTokens(doc.text);
      const pre = prefilter(doc, config.prefilter, tokens);
      if (pre) {
        const key = unitKey(doc);
        if (!ledger.finished.has(key)) {
          fs.outstanding++;
          const seq = await slot();
          complete(seq, () => finish(key, source.file, true, 0, { rejection: pre }));
        }
        continue;
      }
      const units = toUnits(doc, config.maxDocTokens, config.docOverflow, tokens);
      for (let i = 0; i < units.length; i++) {
        const unit = units[i]!;
        const key = unitKey(doc, units.length > 1 ? i : undefined);
        if (ledger.finished.has(key)) continue;
        if (stoppedBy) break;
        fs.outstanding++;
        const seq = await slot();
        void processDocument(unit).then(
          (result) => {
            consecutiveFailures = 0;
            complete(seq, () => finish(key, source.file, i === 0, units.length - 1, { result }));
          },
          (err: unknown) => {
            failedUnits++;
            consecutiveFailures++;
            lastError = err instanceof Error ? err.message : String(err);
            if (!(err instanceof TransientFailure)) {
              // A bug or a configuration problem: stop, keep what is committed.
              if (!stoppedBy) log(`Stopping: ${lastError}`);
              stoppedBy = "model_errors";
            } else if (consecutiveFailures >= MAX_CONSECUTIVE_FAILURES && !stoppedBy) {
              stoppedBy = "model_errors";
              log(`Stopping: ${consecutiveFailures} documents in a row failed on the model server (${lastError}). Rerun the same command to resume.`);
            }
            complete(seq, () => {
              fs.outstanding--;
              fs.failed = true;
            });
          },
        );
      }
    }
    endFile(currentFile);
  } finally {
    await sem.drain();
    clearInterval(timer);
    clearInterval(progressTimer);
    await commit(true);
    progress.stop();
    for (const w of Object.values(writers)) w.close();
    ledger.close();
    io.close();
  }
  return { stats: finalStats!, stoppedBy, failedUnits, lastError };
}

function writeRunJson(config: RunConfig, llm: LlmClient, path: string, sessions: number) {
  const prev = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as { created_at?: string }) : undefined;
  writeJsonAtomic(path, {
    version: VERSION,
    prompt_version: PROMPT_VERSION,
    created_at: prev?.created_at ?? new Date().toISOString(),
    updated_at: new Date().toISOString(),
    sessions,
    node: process.version,
    models: Object.fromEntries(planStages(config.plan).map((s) => [s, llm.modelFor(s)])),
    config: redactConfig(config),
  });
}
