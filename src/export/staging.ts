/**
 * An export is all or nothing: every file is written under a temporary name
 * (`train.parquet.partial`, `data/train-00000-of-00002.parquet.partial`), and only when all of
 * them are complete are they synced and renamed to their final names, the previous export's
 * files that the new one does not replace are removed, and `export.json` says "complete".
 *
 * `export.json` also names the files an export owns, so a rerun (after a kill, or with other
 * settings) cleans up exactly those and never mixes old shards with new ones; Parquet shards
 * it does not own are refused, not deleted.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { writeJsonAtomic } from "../io/atomic-file.js";
import { asOutputError } from "../io/io-error.js";

export const PARTIAL = ".partial";
export const EXPORT_MANIFEST = "export.json";

export interface ExportManifest {
  command: "export";
  status: "running" | "complete";
  format: string;
  source: string;
  /** Files (relative to the output) this export wrote, or, while running, may have written. */
  files: string[];
  rows?: Record<string, number>;
  version: string;
  started_at: string;
  finished_at?: string;
}

export class ExportStaging {
  private readonly previous: ExportManifest | undefined;

  constructor(readonly out: string) {
    const p = join(out, EXPORT_MANIFEST);
    let prev: ExportManifest | undefined;
    if (existsSync(p)) {
      try {
        prev = JSON.parse(readFileSync(p, "utf8")) as ExportManifest;
      } catch {
        prev = undefined;
      }
    }
    this.previous = prev;
  }

  /** Files of earlier exports into this folder (absolute paths). */
  owned(): Set<string> {
    return new Set((this.previous?.files ?? []).map((f) => resolve(this.out, f)));
  }

  /** Parquet shards under data/ that no earlier export of ours wrote: load_dataset would mix them in. */
  foreignShards(): string[] {
    const data = join(this.out, "data");
    if (!existsSync(data)) return [];
    const owned = this.owned();
    return readdirSync(data)
      .filter((f) => f.endsWith(".parquet") && !owned.has(resolve(data, f)))
      .map((f) => join(data, f));
  }

  /** Where a file is written until the export is complete. */
  temp(finalPath: string): string {
    return finalPath + PARTIAL;
  }

  /**
   * Starts: removes temporary files a killed export left, and records (before writing) every
   * file this export may own, so a kill from here on still leaves a folder the next run cleans.
   */
  begin(info: Omit<ExportManifest, "command" | "status" | "files" | "finished_at">, planned: string[]): void {
    for (const dir of [this.out, join(this.out, "data")]) {
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) if (f.endsWith(PARTIAL)) rmSync(join(dir, f), { force: true });
    }
    const files = [...new Set([...this.owned(), ...planned.map((p) => resolve(p))])];
    this.write({ command: "export", status: "running", ...info, files: files.map((f) => this.rel(f)) });
  }

  /** All files are complete: sync them, drop the old export's leftovers, rename, and say "complete". */
  commit(info: Omit<ExportManifest, "command" | "status" | "files" | "finished_at">, finals: string[]): void {
    const keep = new Set(finals.map((f) => resolve(f)));
    try {
      for (const f of finals) if (existsSync(this.temp(f))) syncFile(this.temp(f));
      for (const f of this.owned()) if (!keep.has(f)) rmSync(f, { force: true });
      for (const f of finals) if (existsSync(this.temp(f))) renameSync(this.temp(f), f);
    } catch (err) {
      throw asOutputError(err, this.out);
    }
    this.write({ command: "export", status: "complete", ...info, files: finals.map((f) => this.rel(f)), finished_at: new Date().toISOString() });
  }

  private write(m: ExportManifest): void {
    writeJsonAtomic(join(this.out, EXPORT_MANIFEST), m);
  }

  private rel(f: string): string {
    return relative(resolve(this.out), resolve(f)).split("\\").join("/");
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
