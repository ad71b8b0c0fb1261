/**
 * `export`: a run or curated directory → the files a trainer reads. Two streaming passes
 * over qa/: the first validates and records (domain, hash) per pair to plan the split,
 * the second writes rows to per-split sinks. Memory is bounded by the row-group size plus
 * ~14 bytes per pair for the split plan (and ~22 per document with --include-source-text).
 *
 * One export at a time per output folder (its lock); files are written under temporary names
 * and renamed when all are complete, and `export.json` says so (staging.ts). A killed export
 * leaves no file under a final name that is not complete, and a rerun just works.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { listParts, readStats, runPaths, type RecordParseError } from "../io/run-dir.js";
import { requireComplete } from "../io/completion.js";
import { asOutputError } from "../io/io-error.js";
import { checkWritableDir } from "../io/output-check.js";
import { acquireLock, type OutputLock } from "../io/output-lock.js";
import { ExportStaging, PARTIAL } from "./staging.js";
import { readDecisions } from "../review/decisions.js";
import { emptyReviewCounts, reviewedQa, type ReviewCounts } from "../review/apply.js";
import type { Stats } from "../records.js";
import { VERSION } from "../version.js";
import { renderCard } from "./card.js";
import { DocumentIndex } from "./doc-index.js";
import { FORMATS, type ExportFormat } from "./formats.js";
import { policyMessages, type PolicyPrompt } from "./policy-prompt.js";
import { JsonlSink, ParquetSink, ShardedParquetSink, type RowSink, type WrittenFile } from "./sinks.js";
import { SplitPlanner, type TestSize } from "./split.js";

export type FileFormat = "parquet" | "jsonl";
export const SPLITS = ["train", "test"] as const;
export type SplitName = (typeof SPLITS)[number];

export interface ExportOptions {
  dir: string;
  format: ExportFormat;
  out: string;
  testSize: TestSize;
  seed: number;
  prompt: PolicyPrompt;
  includeSourceText: boolean;
  dataSource: string;
  /** Only trl chooses; verl/hf are Parquet and openrlhf JSONL. */
  fileFormat?: FileFormat;
  /** Rows per shard for hf (default 100 000). */
  shardRows?: number;
  /** Rows per Parquet row group (default 20 000). */
  rowGroupRows?: number;
  onProgress?: (p: ExportProgress) => void;
  /** The dataset's name on its card (default: the --out folder's name; a Hub push uses the repository's). */
  cardName?: string;
  /** Export a directory that is not complete (a run still going, killed or stopped). */
  allowIncomplete?: boolean;
  /** Notes for the user (an incomplete input read anyway, a stale lock taken over). */
  onNote?: (msg: string) => void;
}

export interface ExportProgress {
  phase: "scan" | "index" | "write";
  done: number;
  total?: number;
}

export interface MalformedReport {
  count: number;
  /** The first few, with file:line, for the user to look at. */
  examples: string[];
}

export interface ExportSummary {
  format: ExportFormat;
  out: string;
  rows: Record<SplitName, number>;
  files: WrittenFile[];
  malformed: { qa: MalformedReport; documents: MalformedReport };
  /** Pairs whose doc_id was not in documents/ (with --include-source-text). */
  sourceTextMissing: number;
  /** split → domain → rows. */
  domains: Record<SplitName, Record<string, number>>;
  /** Human decisions applied (review/decisions.jsonl); absent when there are none. */
  review?: ReviewCounts;
}

const PROGRESS_EVERY = 50_000;
const PERSONA_CAP = 100_000;

function malformedCounter(): { report: MalformedReport; onBad: (e: RecordParseError) => void } {
  const report: MalformedReport = { count: 0, examples: [] };
  return {
    report,
    onBad: (e) => {
      report.count++;
      if (report.examples.length < 5) report.examples.push(e.message.length > 300 ? `${e.message.slice(0, 300)}…` : e.message);
    },
  };
}

/** Configuration errors, before any work. */
export function checkExportOptions(opts: ExportOptions): FileFormat {
  const qa = runPaths(opts.dir).qa;
  if (!existsSync(opts.dir)) throw new Error(`${opts.dir}: no such directory (give a run or curated directory)`);
  // An unfinished input is refused first: it may not even have its qa/ yet.
  const note = requireComplete(opts.dir, opts.allowIncomplete === true);
  if (note) opts.onNote?.(`export: ${note}`);
  if (!existsSync(qa) || !statSync(qa).isDirectory()) {
    throw new Error(`${opts.dir} has no qa/ folder: give the --out directory of \`webscale-rl run\` or of \`webscale-rl curate\``);
  }
  const natural: FileFormat = opts.format === "openrlhf" ? "jsonl" : "parquet";
  const fileFormat = opts.fileFormat ?? natural;
  if (opts.format !== "trl" && fileFormat !== natural) {
    throw new Error(`--file-format ${fileFormat} is not available for --format ${opts.format} (it writes ${natural}); only trl lets you choose`);
  }
  if (opts.shardRows !== undefined && !(Number.isInteger(opts.shardRows) && opts.shardRows > 0)) throw new Error("--shard-rows must be a whole number ≥ 1");
  if (opts.includeSourceText && listParts(runPaths(opts.dir).documents).length === 0) {
    throw new Error(`--include-source-text: ${runPaths(opts.dir).documents} holds no part files, so there is no source text to inline`);
  }
  checkWritableDir(opts.out, "--out");
  if (opts.format === "hf") {
    const foreign = new ExportStaging(opts.out).foreignShards();
    if (foreign.length) {
      throw new Error(`${join(opts.out, "data")} already holds Parquet shards that no export wrote (${foreign.slice(0, 3).join(", ")}), which load_dataset would mix with the new ones: remove them or choose another --out`);
    }
  }
  return fileFormat;
}

async function readRunJson(dir: string): Promise<{ models: Record<string, string>; version?: string }> {
  const p = runPaths(dir).run;
  if (!existsSync(p)) return { models: {} };
  try {
    const raw = JSON.parse(await readFile(p, "utf8")) as { models?: unknown; version?: unknown };
    const models: Record<string, string> = {};
    if (raw.models && typeof raw.models === "object") {
      for (const [k, v] of Object.entries(raw.models as Record<string, unknown>)) if (typeof v === "string") models[k] = v;
    }
    return { models, version: typeof raw.version === "string" ? raw.version : undefined };
  } catch {
    return { models: {} };
  }
}

export async function exportDataset(opts: ExportOptions): Promise<ExportSummary> {
  const fileFormat = checkExportOptions(opts);
  let lock: OutputLock | undefined;
  // The output is locked once the first pass found something to write: a failed plan writes nothing.
  const takeOutput = async () => {
    lock = await acquireLock(opts.out, "export", { command: "webscale-rl export", log: opts.onNote });
  };
  try {
    return await exportPasses(opts, fileFormat, takeOutput);
  } catch (err) {
    throw asOutputError(err, opts.out);
  } finally {
    lock?.release();
  }
}

async function exportPasses(opts: ExportOptions, fileFormat: FileFormat, takeOutput: () => Promise<void>): Promise<ExportSummary> {
  const spec = FORMATS[opts.format];
  const progress = opts.onProgress ?? (() => {});

  // Pass 1: validate, count, plan the split. Both passes read the pairs with the human
  // decisions applied (one read of the log, so both passes see the same pairs).
  const decisions = readDecisions(opts.dir);
  const reviewCounts = emptyReviewCounts();
  const qaBad = malformedCounter();
  const planner = new SplitPlanner(opts.seed);
  const personas = new Map<string, number>();
  let personasCapped = false;
  for await (const rec of reviewedQa(opts.dir, { log: decisions, onBad: qaBad.onBad, counts: reviewCounts })) {
    planner.add(rec.domain, rec.id);
    if (opts.format === "hf") {
      const n = personas.get(rec.persona);
      if (n !== undefined) personas.set(rec.persona, n + 1);
      else if (personas.size < PERSONA_CAP) personas.set(rec.persona, 1);
      else personasCapped = true;
    }
    if (planner.size % PROGRESS_EVERY === 0) progress({ phase: "scan", done: planner.size });
  }
  const total = planner.size;
  progress({ phase: "scan", done: total, total });
  if (total === 0) {
    const bad = qaBad.report.count ? ` (${qaBad.report.count} malformed line(s) skipped, e.g. ${qaBad.report.examples[0]})` : "";
    throw new Error(`${runPaths(opts.dir).qa} holds no valid QA pairs${bad}: nothing to export`);
  }
  const { isTest, testCount } = planner.plan(opts.testSize);
  const splitRows: Record<SplitName, number> = { train: total - testCount, test: testCount };
  const activeSplits = SPLITS.filter((s) => s === "train" || splitRows[s] > 0);

  const docBad = malformedCounter();
  let docs: DocumentIndex | undefined;
  if (opts.includeSourceText) {
    progress({ phase: "index", done: 0 });
    docs = await DocumentIndex.build(listParts(runPaths(opts.dir).documents), docBad.onBad);
    progress({ phase: "index", done: docs.count, total: docs.count });
  }

  // Sinks per split, writing under temporary names until everything is complete.
  await takeOutput();
  mkdirSync(opts.out, { recursive: true });
  const staging = new ExportStaging(opts.out);
  const columns = spec.columns(opts.includeSourceText);
  const parquetOpts = {
    rowGroupRows: opts.rowGroupRows,
    createdBy: `webscale-rl ${VERSION}`,
    kvMetadata: [{ key: "webscale-rl.export", value: JSON.stringify({ format: opts.format, seed: opts.seed, version: VERSION }) }],
    suffix: PARTIAL,
  };
  const dataDir = join(opts.out, "data");
  if (opts.format === "hf") mkdirSync(dataDir, { recursive: true });
  const sinks = new Map<SplitName, RowSink>();
  for (const split of activeSplits) {
    let sink: RowSink;
    if (opts.format === "hf") sink = new ShardedParquetSink(dataDir, split, splitRows[split], opts.shardRows ?? 100_000, columns, parquetOpts);
    else if (fileFormat === "jsonl") sink = new JsonlSink(join(opts.out, `${split}.jsonl`), { suffix: PARTIAL });
    else sink = new ParquetSink(join(opts.out, `${split}.parquet`), columns, parquetOpts);
    sinks.set(split, sink);
  }
  const cardPath = join(opts.out, "README.md");
  const planned = [...[...sinks.values()].flatMap((s) => s.plannedPaths), ...(opts.format === "hf" ? [cardPath] : [])];
  const info = { format: opts.format, source: opts.dir, version: VERSION, started_at: new Date().toISOString() };
  staging.begin(info, planned);

  // Pass 2: write. Malformed lines were counted in pass 1; skip them silently here.
  const index: Record<SplitName, number> = { train: 0, test: 0 };
  const domains: Record<SplitName, Record<string, number>> = { train: {}, test: {} };
  let sourceTextMissing = 0;
  let pos = 0;
  try {
    for await (const rec of reviewedQa(opts.dir, { log: decisions })) {
      if (pos >= total) throw new Error(`${runPaths(opts.dir).qa} changed during the export (more pairs than in the first pass); run it again`);
      const split: SplitName = isTest[pos] ? "test" : "train";
      pos++;
      let sourceText: string | null | undefined;
      if (docs) {
        sourceText = docs.get(rec.doc_id) ?? null;
        if (sourceText === null) sourceTextMissing++;
      }
      const row = spec.row(rec, { index: index[split]++, split, dataSource: opts.dataSource, messages: policyMessages(opts.prompt, rec.question), sourceText });
      domains[split][rec.domain] = (domains[split][rec.domain] ?? 0) + 1;
      await sinks.get(split)!.write(row, 2 * (rec.question.length + rec.answer.length + (sourceText?.length ?? 0)) + 400);
      if (pos % PROGRESS_EVERY === 0) progress({ phase: "write", done: pos, total });
    }
    if (pos !== total) throw new Error(`${runPaths(opts.dir).qa} changed during the export (${pos} pairs now, ${total} in the first pass); run it again`);
  } finally {
    docs?.close();
  }
  const files: WrittenFile[] = [];
  for (const sink of sinks.values()) files.push(...(await sink.close()));
  progress({ phase: "write", done: pos, total });

  if (opts.format === "hf") {
    let stats: Stats | undefined;
    let statsNote: string | undefined;
    try {
      stats = await readStats(opts.dir);
    } catch (e) {
      statsNote = `stats.json could not be read (${(e as Error).message.split("\n")[0]}), so the funnel is not shown.`;
    }
    const runJson = await readRunJson(opts.dir);
    const splitFiles: Record<string, string[]> = {};
    for (const split of activeSplits) {
      splitFiles[split] = files.filter((f) => basename(f.path).startsWith(`${split}-`)).map((f) => relative(opts.out, f.path).split("\\").join("/"));
    }
    const card = renderCard({
      name: opts.cardName ?? basename(resolve(opts.out)),
      columns,
      splitFiles,
      splitRows,
      downloadBytes: files.reduce((a, f) => a + f.bytes, 0),
      domains,
      personas: { top: [...personas].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 25), distinct: personas.size, capped: personasCapped },
      stats,
      statsNote,
      models: runJson.models,
      producer: `webscale-rl ${runJson.version ?? VERSION}`,
      testRule: testRuleText(opts, testCount),
      includeSourceText: opts.includeSourceText,
    });
    writeFileSync(staging.temp(cardPath), card);
    files.push({ path: cardPath, rows: 0, bytes: Buffer.byteLength(card) });
  }
  staging.commit({ ...info, rows: splitRows }, files.map((f) => f.path));

  return {
    format: opts.format,
    out: opts.out,
    rows: splitRows,
    files,
    malformed: { qa: qaBad.report, documents: docBad.report },
    sourceTextMissing,
    domains,
    review: decisions.byId.size ? reviewCounts : undefined,
  };
}

function testRuleText(opts: ExportOptions, testCount: number): string {
  if (testCount === 0) return "No test split was requested.";
  const size = opts.testSize.kind === "count" ? `${opts.testSize.count} pairs` : `${opts.testSize.fraction * 100}% of the pairs`;
  return `The test split holds ${size}, stratified by domain (each domain's share within one pair of its overall share), chosen by a seeded hash of the pair id (seed ${opts.seed}).`;
}
