/**
 * The layout of a run's output directory (DESIGN.md, "Contracts") and streaming readers
 * for it. Every command that reads a run (curate, export, report, merge) goes through here.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DocumentRecord, QaRecord, Rejection, Stats } from "../records.js";
import type { z } from "zod";
import { isRemote } from "./remote/location.js";

export const RUN_LAYOUT = {
  qa: "qa",
  rejected: "rejected",
  documents: "documents",
  state: "state",
  stats: "stats.json",
  run: "run.json",
} as const;

export function runPaths(dir: string) {
  return {
    root: dir,
    qa: join(dir, RUN_LAYOUT.qa),
    rejected: join(dir, RUN_LAYOUT.rejected),
    documents: join(dir, RUN_LAYOUT.documents),
    state: join(dir, RUN_LAYOUT.state),
    stats: join(dir, RUN_LAYOUT.stats),
    run: join(dir, RUN_LAYOUT.run),
  };
}

/** Part files of one output folder, in name order (part names sort in write order). */
export function listParts(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .map((f) => join(folder, f));
}

export interface JsonlLine {
  file: string;
  line: number;
  text: string;
}

/** Lines of plain JSONL files, streamed, with their location; blank lines skipped. */
export async function* jsonlLines(files: string[]): AsyncGenerator<JsonlLine> {
  for (const file of files) {
    const rl = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
    let line = 0;
    for await (const text of rl) {
      line++;
      if (text.trim() !== "") yield { file, line, text };
    }
  }
}

export class RecordParseError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(`${file}:${line}: ${message}`);
  }
}

/**
 * Parsed, validated records from part files. A line that is not valid JSON or does not
 * match the schema is passed to `onBad` (default: throw) so callers can count it and go on.
 */
export async function* readRecords<S extends z.ZodType>(
  files: string[],
  schema: S,
  onBad: (err: RecordParseError) => void = (e) => {
    throw e;
  },
): AsyncGenerator<z.infer<S>> {
  for await (const { file, line, text } of jsonlLines(files)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      onBad(new RecordParseError(file, line, `not valid JSON (${(e as Error).message})`));
      continue;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      onBad(new RecordParseError(file, line, parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")));
      continue;
    }
    yield parsed.data;
  }
}

export const readQa = (dir: string, onBad?: (e: RecordParseError) => void) =>
  readRecords(listParts(runPaths(dir).qa), QaRecord, onBad);
export const readRejections = (dir: string, onBad?: (e: RecordParseError) => void) =>
  readRecords(listParts(runPaths(dir).rejected), Rejection, onBad);
export const readDocumentRecords = (dir: string, onBad?: (e: RecordParseError) => void) =>
  readRecords(listParts(runPaths(dir).documents), DocumentRecord, onBad);

export async function readStats(dir: string): Promise<Stats | undefined> {
  const p = runPaths(dir).stats;
  if (!existsSync(p)) return undefined;
  return Stats.parse(JSON.parse(await readFile(p, "utf8")));
}

/**
 * The stats of the run directories a derived output (curate, rollout) reads: one directory's
 * own, or for several their funnels and rejections summed (the rest from the first). Files
 * given instead of directories have none.
 */
export function readInputStats(inputs: string[]): Stats | undefined {
  let merged: Stats | undefined;
  for (const input of inputs) {
    const p = runPaths(input).stats;
    if (isRemote(input) || !statSync(input).isDirectory() || !existsSync(p)) continue;
    const s = JSON.parse(readFileSync(p, "utf8")) as Stats;
    if (!merged) merged = structuredClone(s);
    else {
      for (const k of Object.keys(s.funnel) as (keyof Stats["funnel"])[]) merged.funnel[k] = (merged.funnel[k] ?? 0) + (s.funnel[k] ?? 0);
      for (const [k, v] of Object.entries(s.rejections)) merged.rejections[k] = (merged.rejections[k] ?? 0) + v;
      merged.documents_read += s.documents_read;
      merged.documents_finished += s.documents_finished;
    }
  }
  return merged;
}

/** Stats for pairs that came without a run (imported JSONL): the funnel starts at the pairs. */
export function emptyRunStats(pairs: number): Stats {
  const counters = { requests: 0, retries: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, cached_prompt_tokens: 0 };
  return {
    documents_read: 0,
    documents_finished: 0,
    qa_accepted: pairs,
    funnel: { documents_read: 0, prefilter_passed: 0, filter_passed: 0, identified: 0, pairs_generated: pairs, pairs_checked: pairs, pairs_accepted: pairs },
    rejections: {},
    llm: { ...counters, by_stage: {}, by_model: {} },
    wall_seconds: 0,
    throughput: { documents_per_second: 0, pairs_per_second: 0, tokens_per_second: 0 },
  };
}
