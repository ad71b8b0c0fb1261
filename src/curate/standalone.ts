/**
 * `webscale-rl curate` as a library call: streams QA pairs from run directories (their
 * `qa/` parts) or any JSONL with question/answer fields through a Curator, and writes a
 * curated directory with the run layout: `qa/`, `rejected/` (curation and bad-input
 * rejections), `state/curate/`, `stats.json`, `run.json`.
 *
 * Restartable, not resumable: rerunning on an output directory that a previous `curate`
 * wrote clears it and starts over, giving the same result for the same input. One curate at a
 * time per output (its lock); `run.json`'s status says whether the output is complete, and an
 * incomplete input directory is refused unless `allowIncomplete`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { checkQuotaDomains } from "../config/load.js";
import { writeJsonAtomic } from "../io/atomic-file.js";
import { asOutputError } from "../io/io-error.js";
import { requireComplete } from "../io/completion.js";
import { checkWritableDir } from "../io/output-check.js";
import { acquireLock } from "../io/output-lock.js";
import { readManifest } from "../io/run-manifest.js";
import { QaRecord, ANSWER_TYPES, type AnswerType, type Rejection, type Stats } from "../records.js";
import { emptyRunStats, jsonlLines, listParts, readInputStats, runPaths } from "../io/run-dir.js";
import { isRemote } from "../io/remote/location.js";
import { RemoteIO } from "../io/remote/remote-io.js";
import { remoteJsonlLines } from "../io/remote/remote-lines.js";
import { expandInputSpecs, type InputSpec } from "../io/sources/index.js";
import { PartWriter } from "../pipeline/part-writer.js";
import { shortHash } from "../util/hash.js";
import { VERSION } from "../version.js";
import { Curator } from "./curator.js";
import { CurateConfigError, type CurateOptions } from "./options.js";
import { PassRateMeans } from "./difficulty.js";
import { inferAnswerType } from "../quality/answer-types.js";
import { decisionsPath } from "../review/decisions.js";
import { emptyReviewCounts, reviewedQa, type ReviewCounts } from "../review/apply.js";

export interface CurateJob {
  inputs: string[];
  out: string;
  options: CurateOptions;
  partRecords: number;
  /** Called every ~2 s and at the end. */
  onProgress?: (p: CurateProgress) => void;
  /** Read input directories that are not complete (a run still going, killed or stopped). */
  allowIncomplete?: boolean;
  /** Notes for the user (an input read anyway, a quota domain no pair has). */
  log?: (msg: string) => void;
}

export interface CurateProgress {
  read: number;
  kept: number;
  rejected: number;
  seconds: number;
  done: boolean;
}

const QUESTION_FIELDS = ["question", "problem", "prompt", "query", "instruction", "input"];
const ANSWER_FIELDS = ["answer", "ground_truth", "solution", "response", "output", "target", "label"];

type Item = { rec: QaRecord } | { bad: Rejection } | { review: Rejection };

function firstText(obj: Record<string, unknown>, fields: string[]): string | undefined {
  for (const f of fields) {
    const v = obj[f];
    if (typeof v === "string" && v.trim() !== "") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
  }
  return undefined;
}

/** A foreign JSONL line as a QaRecord; missing fields get documented defaults. */
export function toQaRecord(obj: Record<string, unknown>, file: string, line: number): QaRecord | string {
  const ours = QaRecord.safeParse(obj);
  if (ours.success) return ours.data;
  const question = firstText(obj, QUESTION_FIELDS);
  const answer = firstText(obj, ANSWER_FIELDS);
  if (!question) return `no question field (looked for ${QUESTION_FIELDS.join(", ")})`;
  if (!answer) return `no answer field (looked for ${ANSWER_FIELDS.join(", ")})`;
  const type = obj.answer_type;
  const answerType: AnswerType = typeof type === "string" && (ANSWER_TYPES as readonly string[]).includes(type) ? (type as AnswerType) : inferAnswerType(answer);
  // The location is part of a made-up id: two identical lines are two pairs (one a duplicate
  // of the other), not one pair seen twice, which the curator would accept as a re-admission.
  const id = typeof obj.id === "string" || typeof obj.id === "number" ? String(obj.id) : `h:${shortHash(question, answer, file, String(line))}`;
  const str = (v: unknown, d: string) => (typeof v === "string" && v !== "" ? v : d);
  return {
    id,
    question,
    answer,
    answer_type: answerType,
    domain: str(obj.domain, "Other"),
    persona: str(obj.persona, ""),
    doc_id: str(obj.doc_id, id),
    source: { file, line },
    // Imported pairs were not checked by our verifier; the flags say "no known problem".
    checks: { correct: true, grounded: true, self_contained: true, leakage: false },
    models: {},
    prompt_version: str(obj.prompt_version, "external"),
  };
}

async function* readItems(inputs: string[], remote: Map<string, InputSpec[]>, io: RemoteIO, review: ReviewCounts): AsyncGenerator<Item> {
  for (const input of inputs) {
    const specs = remote.get(input);
    if (!specs && statSync(input).isDirectory() && existsSync(decisionsPath(input))) {
      // A reviewed run: its pairs under the human decisions (src/review/apply.ts), the
      // rejected ones reported as `review.rejected`, the rescued ones curated like any other.
      const rejected: Rejection[] = [];
      for await (const rec of reviewedQa(input, { counts: review, onRejected: (r) => rejected.push(r), onBad: (e) => rejected.push(badInput("invalid_record", e.file, e.line, e.message)) })) {
        while (rejected.length) {
          const r = rejected.shift()!;
          yield r.reason === "review.rejected" ? { review: r } : { bad: r };
        }
        yield { rec };
      }
      for (const r of rejected) yield r.reason === "review.rejected" ? { review: r } : { bad: r };
      continue;
    }
    const lines = specs ? remoteJsonlLines(specs, io) : jsonlLines(statSync(input).isDirectory() ? listParts(runPaths(input).qa) : [input]);
    for await (const { file, line, text } of lines) {
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (e) {
        yield { bad: badInput("invalid_json", file, line, (e as Error).message) };
        continue;
      }
      if (!obj || typeof obj !== "object" || Array.isArray(obj)) {
        yield { bad: badInput("not_an_object", file, line, "the line is not a JSON object") };
        continue;
      }
      const rec = toQaRecord(obj as Record<string, unknown>, file, line);
      if (typeof rec === "string") yield { bad: badInput("missing_field", file, line, rec) };
      else yield { rec };
    }
  }
}

function badInput(code: string, file: string, line: number, detail: string): Rejection {
  return { kind: "input", stage: "input", reason: `input.${code}`, detail, source: { file, line } };
}

function checkInputs(inputs: string[], out: string): void {
  if (inputs.length === 0) throw new CurateConfigError("curate: name at least one run directory or JSONL file");
  for (const input of inputs) {
    if (isRemote(input)) continue; // listed (and checked) by expandInputSpecs
    if (!existsSync(input)) throw new CurateConfigError(`curate: input ${input} does not exist`);
    if (statSync(input).isDirectory() && !existsSync(runPaths(input).qa))
      throw new CurateConfigError(`curate: ${input} is a directory without qa/ (not a run directory)`);
  }
  if (existsSync(out) && readdirSync(out).some((f) => !f.startsWith(".lock-"))) {
    const ours = readManifest(out)?.command === "curate";
    if (!ours) throw new CurateConfigError(`curate: --out ${out} exists and is not empty (and not a previous curate output); choose another directory`);
  }
  checkWritableDir(out, "--out");
}

/** The domains the inputs were made with (run.json), or undefined when an input does not say (a plain JSONL file). */
function recordedDomains(inputs: string[]): string[] | undefined {
  const all = new Set<string>();
  for (const input of inputs) {
    if (isRemote(input) || !statSync(input).isDirectory()) return undefined;
    const m = readManifest(input) as { config?: { domains?: string[] }; domains?: string[] } | undefined;
    const domains = m?.config?.domains ?? m?.domains;
    if (!domains) return undefined;
    for (const d of domains) all.add(d);
  }
  return [...all];
}

/**
 * With a pass-rate band: one pass over the inputs for each model's mean pass rate, which names
 * the strongest model (unless given) and catches a --pass-rate-model no pair was rolled out with.
 */
async function resolveDifficulty(job: CurateJob, remote: Map<string, InputSpec[]>, io: RemoteIO): Promise<{ options: CurateOptions; means?: Record<string, unknown> }> {
  const d = job.options.difficulty;
  if (!d) return { options: job.options };
  const means = new PassRateMeans();
  for await (const item of readItems(job.inputs, remote, io, emptyReviewCounts())) if ("rec" in item) means.add(item.rec);
  const seen = Object.keys(means.means());
  if (seen.length === 0) throw new CurateConfigError("curate --pass-rate: no input pair has a pass rate; run `webscale-rl rollout` on the inputs first (docs/rollout.md)");
  for (const [flag, model] of [["--pass-rate-model", d.model], ["--strongest-model", d.strongest]] as const) {
    if (model !== undefined && !seen.includes(model)) throw new CurateConfigError(`curate ${flag} ${model}: no input pair was rolled out with it (models seen: ${seen.join(", ")})`);
  }
  return { options: { ...job.options, difficulty: { ...d, strongest: d.strongest ?? means.strongest() } }, means: means.means() };
}

export async function runCurate(job: CurateJob): Promise<Record<string, unknown>> {
  const log = job.log ?? (() => {});
  // Every check before anything is written.
  checkInputs(job.inputs, job.out);
  // Remote QA files (hf://, s3://, https://) are listed now: no access or no such file stops here, before any work.
  const io = new RemoteIO();
  const remote = new Map<string, InputSpec[]>();
  for (const input of job.inputs.filter(isRemote)) remote.set(input, await expandInputSpecs([input], io));
  for (const input of job.inputs) {
    if (isRemote(input) || !statSync(input).isDirectory()) continue;
    const note = requireComplete(input, job.allowIncomplete === true);
    if (note) log(`curate: ${note}`);
  }
  const domainsKnown = recordedDomains(job.inputs);
  if (domainsKnown) checkQuotaDomains(Object.keys(job.options.domainQuota), domainsKnown);
  const { options, means } = await resolveDifficulty(job, remote, io);
  job = { ...job, options };

  const lock = await acquireLock(job.out, "curate", { command: "webscale-rl curate", log });
  const paths = runPaths(job.out);
  const started = Date.now();
  const runInfo = { command: "curate", version: VERSION, inputs: job.inputs, options: job.options, ...(domainsKnown ? { domains: domainsKnown } : {}), started_at: new Date(started).toISOString() };
  try {
    for (const p of [paths.qa, paths.rejected, paths.state, paths.stats]) rmSync(p, { recursive: true, force: true });
    mkdirSync(job.out, { recursive: true });
    writeJsonAtomic(paths.run, { ...runInfo, status: "running" });
    const curation = await curate(job, paths, started, log, remote, io, means);
    writeJsonAtomic(paths.run, { ...runInfo, status: "complete", finished_at: new Date().toISOString() });
    return curation;
  } catch (err) {
    // A failed write (its state, its parts) is told as one line naming the output.
    const described = asOutputError(err, job.out);
    try {
      writeJsonAtomic(paths.run, { ...runInfo, status: "stopped", reason: described instanceof Error ? described.message : String(described) });
    } catch {
      /* a full disk: the status stays "running", which readers also take as incomplete */
    }
    throw described;
  } finally {
    lock.release();
  }
}

async function curate(
  job: CurateJob,
  paths: ReturnType<typeof runPaths>,
  started: number,
  log: (m: string) => void,
  remote: Map<string, InputSpec[]>,
  io: RemoteIO,
  means: Record<string, unknown> | undefined,
): Promise<Record<string, unknown>> {
  const curator = await Curator.open(join(paths.state, "curate"), job.options);
  const qa = new PartWriter(paths.qa, "curated", job.partRecords);
  const rejected = new PartWriter(paths.rejected, "curated", job.partRecords);
  const inputRejections: Record<string, number> = {};
  const domains: Record<string, number> = {};
  let read = 0;
  let kept = 0;
  let nRejected = 0;
  let lastReport = Date.now();
  const progress = (done: boolean) =>
    job.onProgress?.({ read, kept, rejected: nRejected, seconds: (Date.now() - started) / 1000, done });
  const review = emptyReviewCounts();
  const seenDomains = new Set<string>();
  for await (const item of readItems(job.inputs, remote, io, review)) {
    read++;
    if ("review" in item) {
      rejected.add(item.review);
      nRejected++;
    } else if ("bad" in item) {
      inputRejections[item.bad.reason] = (inputRejections[item.bad.reason] ?? 0) + 1;
      rejected.add(item.bad);
      nRejected++;
    } else {
      seenDomains.add(item.rec.domain);
      const rej = curator.admit(item.rec);
      if (rej) {
        rejected.add(rej);
        nRejected++;
      } else {
        qa.add(item.rec);
        kept++;
        domains[item.rec.domain] = (domains[item.rec.domain] ?? 0) + 1;
      }
    }
    if (qa.buffered + rejected.buffered >= 20_000) {
      qa.flush();
      rejected.flush();
    }
    if (read % 4096 === 0 && Date.now() - lastReport >= 2000) {
      lastReport = Date.now();
      progress(false);
    }
  }
  qa.flush();
  rejected.flush();
  qa.close();
  rejected.close();
  await curator.commit();
  const curation = curator.stats();
  await curator.close();
  // Plain files do not say which domains they use: a quota domain no pair has is likely a typo.
  for (const d of Object.keys(job.options.domainQuota)) if (!seenDomains.has(d)) log(`curate: note: --domain-quota names "${d}", but no pair has that domain`);

  const wall = (Date.now() - started) / 1000;
  const base = readInputStats(job.inputs) ?? emptyRunStats(read - Object.values(inputRejections).reduce((a, b) => a + b, 0));
  const rejections = { ...base.rejections, ...inputRejections };
  for (const [k, v] of Object.entries(curation.rejected as Record<string, number>)) rejections[k] = (rejections[k] ?? 0) + v;
  const reviewed = review.accepted + review.edited + review.rejected + review.rescued > 0;
  if (review.rejected) rejections["review.rejected"] = (rejections["review.rejected"] ?? 0) + review.rejected;
  const stats: Stats = {
    ...base,
    qa_accepted: kept,
    funnel: { ...base.funnel, ...(review.rescued ? { pairs_rescued: (base.funnel.pairs_rescued ?? 0) + review.rescued } : {}), pairs_curated: kept },
    rejections,
    domains,
    curation: {
      ...curation,
      ...(curation.difficulty ? { difficulty: { ...(curation.difficulty as object), mean_pass_rates: means } } : {}),
      ...(reviewed ? { review } : {}),
      pairs_read: read, input_errors: inputRejections, wall_seconds: wall, pairs_per_second: Math.round(read / Math.max(wall, 1e-3)) },
  };
  writeJsonAtomic(paths.stats, stats);
  progress(true);
  return stats.curation!;
}
