/**
 * The orchestrator: one writer of a run directory. It takes the writer's lock, is admitted by
 * the directory's run.json (same layout, same pinned settings), then streams units from the
 * reader (read-units.ts) through the stages with a bounded number in flight, records them in
 * input order (ordered-completion.ts) and commits every second (committer.ts), so that a
 * killed run resumes exactly where it stopped. It owns time and state and every rule of
 * stopping; stages and engines never write files.
 *
 * Stopping:
 * - `signal` (Ctrl-C, SIGTERM): reading stops; requests in flight get `stopGraceMs` to finish,
 *   then are abandoned. What finished in order is committed; the rest is left for the resume.
 * - the model server refuses the run (401/403/404), a write fails (disk full), the lock is
 *   taken over: everything stops at once and runPipeline throws one line saying what to do,
 *   after committing what was done. A wrong text field in a later input stops reading the
 *   same way, but lets the requests in flight finish: their work is good.
 * - MAX_CONSECUTIVE_FAILURES units in a row fail on an unreachable server: reading stops, the
 *   run ends with `stoppedBy: "model_errors"`.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { RunConfig } from "../config/schema.js";
import type { LlmClient } from "../llm/types.js";
import { LlmError } from "../llm/types.js";
import { withSignal, withStopGate } from "../llm/abortable.js";
import type { Stats } from "../records.js";
import { runPaths } from "../io/run-dir.js";
import { expandInputSpecs, type InputSpec } from "../io/sources/index.js";
import { RemoteIO } from "../io/remote/remote-io.js";
import { pinRemoteInputs } from "./input-pins.js";
import { acquireLock, type OutputLock } from "../io/output-lock.js";
import { asOutputError, writingTo } from "../io/io-error.js";
import { admitWriter, layoutOfTag, recordWriter, updateManifestStatus, type WriterStatus } from "../io/run-manifest.js";
import { completionOf } from "../io/completion.js";
import { loadDemoLibrary } from "../prompts/demos.js";
import { makeProcessor, planStages } from "../stages/process-document.js";
import { TransientFailure } from "../stages/outcome.js";
import { Committer, type PairGate } from "./committer.js";
import { FileProgress } from "./file-progress.js";
import { OrderedCompletion } from "./ordered-completion.js";
import { readUnits } from "./read-units.js";
import { TextFieldError } from "./text-field-check.js";
import { makeProgress, spendOf, type Progress } from "./progress.js";

export type { PairGate } from "./committer.js";
export { inShard } from "./read-units.js";

export interface RunOptions {
  llm: LlmClient;
  /**
   * Curation: an open gate (the caller closes it), or a function that opens it once this
   * writer holds the directory's lock (runPipeline closes it).
   */
  gate?: PairGate | ((tag: string) => Promise<PairGate | undefined>);
  /**
   * Aborting it stops reading; requests in flight get `stopGraceMs` to finish, then the rest is
   * left for the next run. A string reason (`abort("the budget is spent ...")`) is recorded in
   * state/writer-<tag>.json as why this writer stopped; otherwise it says "stopped by a signal".
   */
  signal?: AbortSignal;
  /** How long requests in flight may still finish after `signal` (default 3 s). */
  stopGraceMs?: number;
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
  /** Names this writer's part files, state and lock (default: "main", or the shard "sIofN"). */
  tag?: string;
  /** Continue a directory made with other pinned settings (recorded in run.json). */
  force?: boolean;
  /**
   * This session's spend against the run's budget, for the progress display, e.g. "$1.2034 of
   * $5 spent" (src/pipeline/budget.ts); shown instead of the built-in-price spend when set.
   */
  budgetSpend?: () => string | undefined;
}

export interface RunResult {
  stats: Stats;
  /** Set when the run stopped early: by the signal, or because the model server kept failing. */
  stoppedBy?: "signal" | "model_errors";
  failedUnits: number;
  /** Units dropped at a stop, left for the next run. */
  abandonedUnits: number;
  /** Every input was read to its end (or to --limit) and every unit recorded. */
  complete: boolean;
  lastError?: string;
}

/** A run stopped by something every later request would meet too: one line, what to do. */
export class RunStoppedError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "RunStoppedError";
  }
}

/** After this many units in a row fail for transient model errors, the run stops (and can be resumed). */
const MAX_CONSECUTIVE_FAILURES = 25;
const DEFAULT_STOP_GRACE_MS = 3000;

export function shardTag(config: RunConfig): string {
  return config.shard ? `s${config.shard.index}of${config.shard.count}` : "main";
}

export async function runPipeline(config: RunConfig, opts: RunOptions): Promise<RunResult> {
  const log = opts.log ?? ((m: string) => process.stderr.write(m + "\n"));
  const tag = opts.tag ?? shardTag(config);
  const out = config.out;
  const models = Object.fromEntries(planStages(config.plan).map((s) => [s, opts.llm.modelFor(s)]));
  const lock = await acquireLock(out, tag, { command: `webscale-rl run${tag === "main" ? "" : ` (${tag})`}`, log });
  let admitted = false;
  let status: WriterStatus = "stopped";
  let reason: string | undefined;
  try {
    await admitWriter(out, { tag, config, models, force: opts.force, log });
    admitted = true;
    const paths = runPaths(out);
    for (const d of [paths.qa, paths.rejected, paths.documents, paths.state]) writingTo(d, () => mkdirSync(d, { recursive: true }));
    recordWriter(out, tag, "running");
    const opened = typeof opts.gate === "function";
    const gate = typeof opts.gate === "function" ? await opts.gate(tag) : opts.gate;
    let res: RunResult;
    try {
      res = await runLocked(config, opts, { tag, lock, gate, log });
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
      // The first failure is the one to tell: closing curation on a full disk would fail again.
      if (opened) await gate?.close().catch(() => undefined);
      throw err;
    }
    if (opened) {
      try {
        await gate?.close();
      } catch (err) {
        throw asOutputError(err, join(paths.state, `curate-${tag}`));
      }
    }
    status = res.complete ? "complete" : "stopped";
    if (!res.complete) reason = res.stoppedBy === "signal" ? stopReason(opts.signal) : (res.lastError ?? "units failed on the model server");
    return res;
  } finally {
    // A writer whose lock was taken over leaves the status to the one that took it.
    const ours = admitted && !lock.lost;
    if (ours) bestEffort(() => recordWriter(out, tag, status, reason));
    lock.release();
    // Queue chunks are many: readers judge their completion themselves (completion.ts), so run.json is not rewritten per chunk.
    if (ours && layoutOfTag(tag).kind !== "queue") await updateManifestStatus(out, overallStatus(out)).catch(() => undefined);
  }
}

/** Why `signal` stopped the run, for state/writer-<tag>.json: its own reason when it gave one as text. */
function stopReason(signal: AbortSignal | undefined): string {
  return typeof signal?.reason === "string" ? signal.reason : "stopped by a signal (Ctrl-C or SIGTERM)";
}

/** run.json's summary: complete when every writer of the layout is, running while one works. */
function overallStatus(out: string): WriterStatus {
  const c = completionOf(out);
  if (c.complete) return "complete";
  return c.writers.some((w) => w.state === "running") ? "running" : "stopped";
}

function bestEffort(fn: () => void): void {
  try {
    fn();
  } catch {
    /* recording a status on a full disk: the checkpoint already says what is done */
  }
}

async function runLocked(config: RunConfig, opts: RunOptions, ctx: { tag: string; lock: OutputLock; gate?: PairGate; log: (m: string) => void }): Promise<RunResult> {
  const { tag, lock, gate, log } = ctx;
  // Every request of this run ends when `requests` aborts: a fatal error at once, a signal after the grace.
  const requests = new AbortController();
  // Fires when the run starts to stop (a signal, a spent budget, failing documents): from then
  // on no new request is sent (withStopGate). A fatal error aborts every request instead, and a
  // reading problem (halt with letFinish) lets the documents in flight finish.
  const sending = new AbortController();
  const llm = withSignal(withStopGate(opts.llm, sending.signal), requests.signal);
  let fatal: unknown;
  let stoppedBy: RunResult["stoppedBy"];
  let graceTimer: NodeJS.Timeout | undefined;
  /** Stops reading and ends with `err`; requests in flight are abandoned unless `letFinish` (their work is still good). */
  const halt = (err: unknown, letFinish = false) => {
    fatal ??= err;
    if (!letFinish) requests.abort();
  };
  const onSignal = () => {
    stoppedBy ??= "signal";
    sending.abort();
    graceTimer ??= setTimeout(() => requests.abort(), opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
  };
  if (opts.signal?.aborted) onSignal();
  opts.signal?.addEventListener("abort", onSignal, { once: true });
  const reading = () => fatal === undefined && stoppedBy === undefined;

  const committer = new Committer({
    out: config.out,
    tag,
    partRecords: config.partRecords,
    llm: opts.llm,
    gate,
    files: (prev) => new FileProgress(prev),
    onFailure: halt,
    stillOwner: () => lock.verify(),
  });
  // Taken over by another writer (this one was judged gone): not one more byte, not even the final commit.
  lock.onLost(() => {
    committer.stopWriting();
    halt(new RunStoppedError(`another process took over the lock ${lock.path} (this run was judged gone): stopped without writing more; make sure only one run writes ${config.out}`));
  });
  const { tracker } = committer;
  // Remote inputs: stores, retries and the io counters of stats.json (carried across sessions).
  const io = new RemoteIO({ log, stats: committer.ioBase, policy: { retries: config.io.retries, backoffMs: config.io.backoffMs, timeoutMs: config.io.timeoutMs }, pieceBytes: config.io.pieceBytes });
  committer.io = io;
  if (committer.resumed) log(`Resuming ${config.out}: ${tracker.state.documents_read} documents and ${tracker.state.qa_accepted} pairs already done.`);

  const { library, missing } = loadDemoLibrary(config.domains, config.demosDir);
  if (missing.length) log(`No demonstrations for: ${missing.join(", ")} (those domains are generated zero-shot).`);
  const processDocument = makeProcessor({ llm, config, demos: library }, { quotaAllows: gate ? (d) => gate.quotaAllows(d) : undefined });

  const order = new OrderedCompletion(opts.window ?? Math.max(8, opts.llm.maxConcurrency * 4));
  const progress = opts.progress ?? makeProgress(config.progress);
  const documentsAtStart = tracker.state.documents_read;
  let consecutiveFailures = 0;
  let abandoned = 0;
  let lastError: string | undefined;
  let readAll = false;

  const timer = setInterval(() => void committer.commit(), opts.commitIntervalMs ?? 1000);
  const progressTimer = setInterval(() => {
    const l = opts.llm.stats();
    progress.update({
      documents: tracker.state.documents_read,
      documentsAtStart,
      total: config.limit,
      accepted: tracker.state.qa_accepted,
      requests: opts.llm.load?.(),
      tokens: l.prompt_tokens + l.completion_tokens,
      spend: spendOf(committer.llmTotal()),
      budget: opts.budgetSpend?.(),
      elapsed: committer.elapsed(),
    });
  }, 500);

  const onUnitError = (err: unknown, file: string, seq: number) => {
    const cause = err instanceof TransientFailure ? err.cause : err;
    if (requests.signal.aborted || (cause instanceof LlmError && cause.code === "aborted")) {
      // Abandoned at a stop: not a failure of the server, just left for the next run.
      abandoned++;
    } else if (err instanceof TransientFailure) {
      committer.failedUnits++;
      consecutiveFailures++;
      lastError = err.message;
      if (consecutiveFailures >= MAX_CONSECUTIVE_FAILURES && !stoppedBy && fatal === undefined) {
        stoppedBy = "model_errors";
        sending.abort();
        log(`Stopping: ${consecutiveFailures} documents in a row failed on the model server (${lastError}). Rerun the same command to resume.`);
      }
    } else if (cause instanceof LlmError && cause.code === "refused") {
      halt(new RunStoppedError(`the model server refused the run: ${cause.message}: fix the API key, the model name or --base-url, then rerun the same command (it resumes)`));
    } else {
      // A configuration problem or a bug: stop, keep what is committed.
      halt(err);
    }
    order.complete(seq, () => committer.skip(file));
  };

  try {
    const inputs = opts.inputs ?? pinRemoteInputs(runPaths(config.out).state, tag, await expandInputSpecs(config.inputs, io), committer.finished, committer.files.done, log);
    for await (const w of readUnits(inputs, config, committer.finished, committer.files, io)) {
      if (!reading()) break;
      committer.files.issue(w.file);
      const seq = await order.slot();
      if (!reading()) {
        order.complete(seq, () => committer.skip(w.file));
        break;
      }
      if ("rejection" in w) {
        const rejection = w.rejection;
        order.complete(seq, () => committer.record(w.key, w.file, w.first, w.extraWindows, { rejection }));
        continue;
      }
      processDocument(w.doc).then(
        (result) => {
          consecutiveFailures = 0;
          order.complete(seq, () => committer.record(w.key, w.file, w.first, w.extraWindows, { result }));
        },
        (err: unknown) => onUnitError(err, w.file, seq),
      );
    }
    readAll = reading();
  } catch (err) {
    // A reading problem (a wrong text field in a later input) says nothing against the work in flight.
    halt(err, err instanceof TextFieldError);
  } finally {
    await order.drain();
    opts.signal?.removeEventListener("abort", onSignal);
    clearTimeout(graceTimer);
    clearInterval(timer);
    clearInterval(progressTimer);
    await committer.commit(true);
    progress.stop();
    committer.close();
    io.close();
  }
  if (fatal !== undefined) throw fatal;
  const failedUnits = committer.failedUnits;
  return {
    stats: committer.stats(),
    stoppedBy,
    failedUnits,
    abandonedUnits: abandoned,
    complete: readAll && failedUnits === 0 && abandoned === 0,
    lastError,
  };
}
