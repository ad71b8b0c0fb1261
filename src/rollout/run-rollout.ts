/**
 * `webscale-rl rollout` as a library call: streams the pairs of run or curated directories,
 * rolls each one out (roll-pair.ts) with a bounded number in flight, and writes an output with
 * the run layout: `qa/` (every input pair, with its rollout entries), `rejected/` (input lines
 * that were not pairs), `state/`, `stats.json` (the inputs' stats plus a `rollout` block, this
 * rollout's requests added to `llm`) and `run.json` (what was drawn, pinned for resumes).
 *
 * Resumable after kill -9: pairs are recorded in input order, and a checkpoint every second
 * names the committed length of every output and of the ledger of finished pairs (the same
 * ledger and checkpoint as `run`). On restart everything past it is cut off; a pair is counted
 * when its record is committed, so a pair redone after a kill is counted once, and it draws the
 * same seeds, so a deterministic server gives it the same samples.
 *
 * A failed write (disk full, a dying disk) stops the rollout as `run` does: nothing more is
 * committed, so the last checkpoint stays the one to resume from, and the error, naming the
 * file and the fix, is thrown once the pairs in flight are done.
 *
 * One rollout at a time per output (its lock, `.lock-rollout`); `run.json`'s status says
 * whether the output is complete, and an incomplete input directory is refused unless
 * `allowIncomplete` (as for curate).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { addLlmStats, emptyLlmStats } from "../llm/counters.js";
import { LlmError, type LlmClient } from "../llm/types.js";
import type { LlmStats, QaRecord, Rejection, Stats } from "../records.js";
import { emptyRunStats, listParts, readInputStats, readQa, runPaths, type RecordParseError } from "../io/run-dir.js";
import { requireComplete } from "../io/completion.js";
import { checkWritableDir } from "../io/output-check.js";
import { acquireLock } from "../io/output-lock.js";
import { asOutputError, writingTo } from "../io/io-error.js";
import { Ledger, writeJsonAtomic, type Checkpoint } from "../pipeline/checkpoint.js";
import { OrderedCompletion } from "../pipeline/ordered-completion.js";
import { PartWriter } from "../pipeline/part-writer.js";
import type { Scorer } from "../reward/score.js";
import { VERSION } from "../version.js";
import { JudgeFailure, rollPair, type PairOutcome } from "./roll-pair.js";
import { pinnedRolloutSettings, RolloutConfigError, settingDifferences, validateSettings, type RolloutSettings } from "./settings.js";
import { RolloutTally, type TallyState } from "./tally.js";

export interface RolloutJob {
  /** Run, curated or rollout directories (their qa/ parts). */
  inputs: string[];
  out: string;
  settings: RolloutSettings;
  llm: LlmClient;
  scorer: Scorer;
  partRecords?: number;
  /** Stop after this many input pairs (all sessions together). */
  limit?: number;
  /** Pairs in flight or awaiting their turn to be recorded (default: enough to fill the client's limit four times over). */
  window?: number;
  /** Aborting it stops taking new pairs; pairs in flight finish and are committed. */
  signal?: AbortSignal;
  log?: (msg: string) => void;
  /** Called about every second with the running figures, and once at the end. */
  onProgress?: (p: RolloutProgress) => void;
  commitIntervalMs?: number;
  /** Roll out input directories that are not complete (a run still going, killed or stopped) instead of refusing them. */
  allowIncomplete?: boolean;
}

export interface RolloutProgress {
  pairs: number;
  /** Input pairs in all, when known. */
  total?: number;
  samples: number;
  /** Samples drawn in this session per second of it. */
  samplesPerSecond: number;
  pairsInFlight: number;
  requests: number;
  tokens: number;
  seconds: number;
  done: boolean;
}

export interface RolloutResult {
  stats: Stats;
  /** lock_lost: another process took this output's lock over (this one was judged gone); nothing more was written. */
  stoppedBy?: "signal" | "model_errors" | "lock_lost";
  failedPairs: number;
  lastError?: string;
}

/** The checkpoint of a rollout: the pipeline's, with the tally in place of the run's tracker. */
interface RolloutCheckpoint extends Omit<Checkpoint, "tracker" | "filesDone"> {
  tally: TallyState;
}

const TAG = "rollout";
/** After this many pairs in a row fail on the model server (or the judge), the rollout stops (and can be resumed). */
const MAX_CONSECUTIVE_FAILURES = 25;

/** Configuration errors, before anything is written. Returns the pinned settings of a rollout to resume, if any. */
export function checkRolloutJob(job: Pick<RolloutJob, "inputs" | "out" | "settings" | "allowIncomplete">): Record<string, unknown> | undefined {
  validateSettings(job.settings);
  if (job.inputs.length === 0) throw new RolloutConfigError("name at least one run or curated directory to roll out");
  for (const input of job.inputs) {
    if (!existsSync(input)) throw new RolloutConfigError(`input ${input} does not exist`);
    if (!statSync(input).isDirectory() || !existsSync(runPaths(input).qa)) {
      throw new RolloutConfigError(`${input} is not a run, curated or rollout directory (it has no qa/ folder)`);
    }
    if (resolve(input) === resolve(job.out)) throw new RolloutConfigError(`--out ${job.out} is also an input: write the rollout to another directory`);
  }
  inputNotes(job);
  if (!existsSync(job.out)) {
    checkWritableDir(job.out, "--out");
    return undefined;
  }
  if (!statSync(job.out).isDirectory()) throw new RolloutConfigError(`--out ${job.out} is a file, not a directory`);
  checkWritableDir(job.out, "--out");
  // A lock file alone (left by a writer that died before writing anything) does not make it another output.
  if (readdirSync(job.out).every((f) => f.startsWith(".lock-"))) return undefined;
  const runJson = runPaths(job.out).run;
  const prev = existsSync(runJson) ? (JSON.parse(readFileSync(runJson, "utf8")) as { command?: string; pinned?: Record<string, unknown>; inputs?: string[] }) : undefined;
  if (prev?.command !== "rollout") throw new RolloutConfigError(`--out ${job.out} exists and is not empty (and not an earlier rollout to resume): choose another directory`);
  const diffs = settingDifferences(prev.pinned ?? {}, pinnedRolloutSettings(job.settings));
  const inputsNow = job.inputs.map((i) => resolve(i));
  if (JSON.stringify(prev.inputs ?? []) !== JSON.stringify(inputsNow)) diffs.unshift(`inputs: ${JSON.stringify(prev.inputs ?? [])} → ${JSON.stringify(inputsNow)}`);
  if (diffs.length) {
    throw new RolloutConfigError(
      `${job.out} holds a rollout made with other settings (${diffs.join("; ")}): rerun with those settings to resume it, or choose another --out`,
    );
  }
  return prev.pinned;
}

/** Each input must be complete (IncompleteInputError otherwise, unless allowIncomplete); the notes to tell about those read anyway. */
function inputNotes(job: Pick<RolloutJob, "inputs" | "allowIncomplete">): string[] {
  const notes: string[] = [];
  for (const input of job.inputs) {
    const note = requireComplete(input, job.allowIncomplete === true);
    if (note) notes.push(`rollout: ${note}`);
  }
  return notes;
}

/** Pair lines in the inputs' qa/ parts (a cheap newline count, for progress). */
export function countInputPairs(inputs: string[]): number {
  let n = 0;
  for (const input of inputs) {
    for (const file of listParts(runPaths(input).qa)) {
      const buf = readFileSync(file);
      for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
      if (buf.length > 0 && buf[buf.length - 1] !== 10) n++;
    }
  }
  return n;
}

export async function runRollout(job: RolloutJob): Promise<RolloutResult> {
  const log = job.log ?? ((m: string) => process.stderr.write(m + "\n"));
  const s = job.settings;
  checkRolloutJob(job);
  for (const note of inputNotes(job)) log(note);
  const lock = await acquireLock(job.out, TAG, { command: "webscale-rl rollout", log });
  try {
    // Again under the lock: another rollout may have written the output since the first look.
    checkRolloutJob(job);
    return await rollLocked(job, log, () => lock.verify(), (fn) => lock.onLost(fn));
  } finally {
    lock.release();
  }
}

async function rollLocked(job: RolloutJob, log: (msg: string) => void, stillOwner: () => boolean, onLost: (fn: () => void) => void): Promise<RolloutResult> {
  const s = job.settings;
  const paths = runPaths(job.out);
  for (const d of [paths.root, paths.qa, paths.rejected, paths.state]) mkdirSync(d, { recursive: true });

  const ledger = new Ledger(paths.state, TAG);
  const cp = ledger.load<RolloutCheckpoint>();
  const writers = { qa: new PartWriter(paths.qa, TAG, job.partRecords ?? 50_000), rejected: new PartWriter(paths.rejected, TAG, job.partRecords ?? 50_000) };
  for (const [name, w] of Object.entries(writers)) w.restore(cp?.parts[name]);
  const tally = new RolloutTally(cp?.tally);
  const llmBase = cp?.llm ?? emptyLlmStats();
  const sessions = (cp?.sessions ?? 0) + 1;
  const prevWall = cp?.wallSeconds ?? 0;
  const samplesBefore = tally.samples;
  if (cp) log(`Resuming ${job.out}: ${tally.state.written} pairs and ${samplesBefore} samples already done.`);
  const base = readInputStats(job.inputs);
  const runInfo = {
    command: "rollout",
    version: VERSION,
    inputs: job.inputs.map((i) => resolve(i)),
    pinned: pinnedRolloutSettings(s),
    prompt: { template: s.prompt.template, ...(s.prompt.systemPrompt ? { system_prompt: s.prompt.systemPrompt } : {}) },
    models: Object.fromEntries(s.models.map((m) => [m, m])),
    sessions,
    created_at: cp ? undefined : new Date().toISOString(),
  };
  const previousRun = existsSync(paths.run) ? (JSON.parse(readFileSync(paths.run, "utf8")) as Record<string, unknown>) : {};
  const writeRunJson = (status: "running" | "stopped" | "complete", reason?: string) =>
    writeJsonAtomic(paths.run, { ...runInfo, created_at: previousRun.created_at ?? runInfo.created_at ?? new Date().toISOString(), updated_at: new Date().toISOString(), status, ...(reason ? { reason } : {}) });
  writeRunJson("running");

  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  // Four times what the limit holds (as run's window): pairs finish out of order, and a slow one must not leave the fleet idle.
  const window = job.window ?? Math.max(16, Math.ceil((4 * job.llm.maxConcurrency) / (s.samples * s.models.length)));
  const order = new OrderedCompletion(window);
  const total = countInputPairs(job.inputs);

  // --- commits ------------------------------------------------------------------------
  let finalStats: Stats | undefined;
  let lastStatsWrite = -Infinity;
  let committing: Promise<void> = Promise.resolve();
  const llmTotal = (): LlmStats => addLlmStats(llmBase, job.llm.stats());
  const toStats = (llm: LlmStats, wall: number): Stats => {
    const b = base ?? emptyRunStats(tally.state.written);
    return {
      ...b,
      // The generation's requests and this rollout's together: what the data cost.
      llm: addLlmStats(b.llm, llm),
      rollout: tally.summary(s, llm, wall, { sessions, judge: job.scorer.opts.judge?.counts() ?? null }),
    };
  };
  let lockLost = false;
  let writeError: unknown;
  /** Runs a write; a failure stops the rollout and every later write (see the header). */
  const writing = (op: () => void) => {
    if (writeError) return;
    try {
      op();
    } catch (err) {
      writeError = asOutputError(err);
    }
  };
  const commit = (final = false) =>
    (committing = committing.then(() => {
      // Not one more commit once another process holds the output.
      if (lockLost || !stillOwner()) {
        lockLost = true;
        return;
      }
      writing(() => commitNow(final));
    }));
  const commitNow = (final: boolean) => {
    for (const w of Object.values(writers)) w.flush();
    const ledgerBytes = writingTo(ledger.path, () => ledger.flush());
    const llm = llmTotal();
    const wall = prevWall + elapsed();
    const snapshot: RolloutCheckpoint = {
      version: 1,
      ledgerBytes,
      parts: { qa: writers.qa.position(), rejected: writers.rejected.position() },
      tally: structuredClone(tally.state),
      llm,
      wallSeconds: wall,
      sessions,
    };
    writingTo(ledger.checkpointPath, () => ledger.writeCheckpoint(snapshot));
    if (final || wall - lastStatsWrite >= 5) {
      finalStats = toStats(llm, wall);
      writeJsonAtomic(paths.stats, finalStats);
      lastStatsWrite = wall;
    }
  };
  const timer = setInterval(() => void commit(), job.commitIntervalMs ?? 1000);
  const progress = (done: boolean) => {
    const l = job.llm.stats();
    const t = elapsed();
    job.onProgress?.({
      pairs: tally.state.written,
      total: job.limit !== undefined ? Math.min(job.limit, total) : total,
      samples: tally.samples,
      samplesPerSecond: t > 0 ? (tally.samples - samplesBefore) / t : 0,
      pairsInFlight: order.inFlight,
      requests: l.requests,
      tokens: l.prompt_tokens + l.completion_tokens,
      seconds: t,
      done,
    });
  };
  const progressTimer = setInterval(() => progress(false), 1000);

  // --- the read loop --------------------------------------------------------------------
  let failedPairs = 0;
  let consecutiveFailures = 0;
  let lastError: string | undefined;
  let stoppedBy: RolloutResult["stoppedBy"];
  const stop = (why: RolloutResult["stoppedBy"], message: string) => {
    if (stoppedBy) return;
    stoppedBy = why;
    log(message);
  };
  onLost(() => {
    lockLost = true;
    stop("lock_lost", `Stopping: another process took over the lock of ${job.out} (this rollout was judged gone); nothing more is written. Make sure only one rollout writes it.`);
  });
  const onFailure = (err: unknown) => {
    failedPairs++;
    consecutiveFailures++;
    lastError = err instanceof Error ? err.message : String(err);
    if (err instanceof LlmError && err.code === "aborted") return;
    if (isFatal(err)) stop("model_errors", `Stopping: ${lastError}`);
    else if (!(err instanceof LlmError || err instanceof JudgeFailure)) stop("model_errors", `Stopping: ${lastError}`);
    else if (consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
      stop("model_errors", `Stopping: ${consecutiveFailures} pairs in a row failed (${lastError}). Rerun the same command to resume.`);
    }
  };
  let seen = 0;
  /** An input line that is not a pair: recorded in its turn as a rejection. */
  const recordBad = async (e: RecordParseError, key: string) => {
    if (ledger.finished.has(key)) return;
    const seq = await order.slot();
    order.complete(seq, () =>
      writing(() => {
        writers.rejected.add(badLine(e));
        tally.badLine();
        ledger.markFinished(key);
      }),
    );
  };
  const rollOne = async (rec: QaRecord, key: string) => {
    if (ledger.finished.has(key)) return;
    const seq = await order.slot();
    void rollPair(rec, job.llm, job.scorer, s).then(
      (out: PairOutcome) => {
        consecutiveFailures = 0;
        order.complete(seq, () =>
          writing(() => {
            writers.qa.add(out.record);
            tally.pair(out.entries, out.overflow, out.requests);
            ledger.markFinished(key);
            for (const model of out.overflow) log(`${rec.id}: the question does not fit ${model}'s context; the pair has no pass rate for it`);
          }),
        );
      },
      (err: unknown) => {
        onFailure(err);
        // Not in the ledger: the next run redoes it.
        order.complete(seq, () => {});
      },
    );
  };
  try {
    outer: for (let i = 0; i < job.inputs.length; i++) {
      // Every line of an input has its number in the ledger (`input:line`), pairs and bad lines alike.
      let ordinal = 0;
      const bad: RecordParseError[] = [];
      const records = readQa(job.inputs[i]!, (e) => bad.push(e))[Symbol.asyncIterator]();
      try {
        for (;;) {
          const next = await records.next();
          // Bad lines met before this record come first, in line order.
          for (const e of bad.splice(0)) {
            if (take()) break outer;
            await recordBad(e, `${i}:${ordinal++}`);
          }
          if (next.done) break;
          if (take()) break outer;
          await rollOne(next.value, `${i}:${ordinal++}`);
        }
      } finally {
        await records.return?.(undefined); // closes the file when the loop stops early
      }
    }
  } finally {
    await order.drain();
    clearInterval(timer);
    clearInterval(progressTimer);
    await commit(true);
    closeQuietly(() => Object.values(writers).forEach((w) => w.close()), !writeError);
    closeQuietly(() => ledger.close(), !writeError);
    progress(true);
    const complete = !stoppedBy && !writeError && failedPairs === 0;
    const reason = writeError ? (writeError as Error).message : stoppedBy === "signal" ? "interrupted" : (lastError ?? "pairs failed");
    // A rollout whose lock was taken over leaves the status to the one that took it; after a
    // failed write, run.json may not be writable either, and the write's own error is the one to show.
    if (!lockLost) closeQuietly(() => writeRunJson(complete ? "complete" : "stopped", complete ? undefined : reason), !writeError);
  }
  if (writeError) throw writeError;
  return { stats: finalStats ?? toStats(llmTotal(), prevWall + elapsed()), stoppedBy, failedPairs, lastError };

  /** Before taking the next input line: false = go on, true = stop reading. */
  function take(): boolean {
    if (job.signal?.aborted) stoppedBy ??= "signal";
    if (stoppedBy || writeError) return true;
    if (job.limit !== undefined && seen >= job.limit) return true;
    seen++;
    return false;
  }
}

/** Closing after a failed write: nothing more to lose. With `rethrow` (no failure yet), a failure is the one to report. */
function closeQuietly(op: () => void, rethrow = false): void {
  try {
    op();
  } catch (err) {
    if (rethrow) throw err;
  }
}

/** Server answers no retry can change: stop at once rather than fail pair after pair. */
function isFatal(err: unknown): boolean {
  if (err instanceof JudgeFailure) return err.kind === "auth" || err.kind === "rejected";
  if (!(err instanceof LlmError)) return false;
  const status = err.details.status;
  return err.code === "config" || status === 401 || status === 403 || status === 404;
}

function badLine(e: RecordParseError): Rejection {
  return { kind: "input", stage: "input", reason: "input.invalid_pair", detail: e.message, source: { file: e.file, line: e.line } };
}

