/**
 * The layout of a run's output directory (DESIGN.md, "Contracts") and streaming readers
 * for it. Every command that reads a run (curate, export, report, merge) goes through here.
 */
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DocumentRecord, QaRecord, Rejection, Stats } from "../records.js";
import type { z } from "zod";

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
