/**
 * `run.json` of a run directory and the status file of each of its writers: what the
 * directory was made with, how it is laid out, and whether it is complete.
 *
 * - **Layout**: one writer (`main`), N shards (`sIofN`), or queue chunks (`c-…`). A writer of
 *   another layout is refused: its records would be counted twice by `merge`.
 * - **Pinned settings**: inputs, plan, prompt version, domains, models per stage, and what
 *   decides the units (text and id fields, windowing). A resume with different ones is refused
 *   with the differences listed, unless forced (`--force`, recorded in `forced`).
 * - **Status**: each writer keeps `state/writer-<tag>.json` (running / stopped / complete);
 *   `run.json`'s `status` sums them up for people. Readers judge completeness with
 *   `completion.ts`, which also looks at the writers' locks.
 *
 * `run.json` is shared by every writer of the directory; it is read and rewritten only under
 * the short-lived `manifest` lock.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import type { RunConfig } from "../config/schema.js";
import { redactConfig } from "../config/redact.js";
import { PROMPT_VERSION, VERSION } from "../version.js";
import { writeJsonAtomic } from "./atomic-file.js";
import { acquireLock } from "./output-lock.js";
import { runPaths } from "./run-dir.js";

/** How a directory is written: one writer, N shards, or queue chunks (`chunks`: how many were submitted, once known). */
export type Layout = { kind: "single" } | { kind: "shards"; count: number } | { kind: "queue"; chunks?: number };
export type WriterStatus = "running" | "stopped" | "complete";

export interface PinnedSettings {
  inputs: string[];
  plan: string;
  prompt_version: string;
  domains: string[];
  models: Record<string, string>;
  text_field: string;
  id_field: string;
  max_doc_tokens: number;
  doc_overflow: string;
  max_windows: number;
}

export interface RunManifest {
  command: "run";
  version: string;
  prompt_version: string;
  created_at: string;
  updated_at: string;
  node: string;
  /** For people: running while a writer works, complete when every writer of the layout is. */
  status: WriterStatus;
  layout: Layout;
  pinned: PinnedSettings;
  /** Resumes that were let through with different settings (`--force`). */
  forced?: { at: string; writer: string; differences: string[] }[];
  sessions: number;
  models: Record<string, string>;
  config: RunConfig;
}

/** What each writer records about itself in `state/writer-<tag>.json`. */
export interface WriterRecord {
  tag: string;
  status: WriterStatus;
  /** Why it stopped before the end (a signal, the model server, a full disk, …). */
  reason?: string;
  updated_at: string;
  host: string;
  pid: number;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

const SHARD_TAG = /^s(\d+)of(\d+)$/;

/** The layout a writer tag belongs to. */
export function layoutOfTag(tag: string): Layout {
  if (tag === "main") return { kind: "single" };
  const m = SHARD_TAG.exec(tag);
  if (m) return { kind: "shards", count: Number(m[2]) };
  return { kind: "queue" };
}

export function describeLayout(l: Layout): string {
  if (l.kind === "single") return "one writer (no --shard)";
  if (l.kind === "shards") return `--shard I/${l.count}`;
  return "the queue (queue submit/work)";
}

const sameLayout = (a: Layout, b: Layout) => a.kind === b.kind && (a.kind !== "shards" || a.count === (b as { count: number }).count);

/** The writers a layout needs to be complete (queue chunks: the ones that exist). */
export function expectedTags(layout: Layout, present: string[]): string[] {
  if (layout.kind === "single") return ["main"];
  if (layout.kind === "shards") return Array.from({ length: layout.count }, (_, i) => `s${i}of${layout.count}`);
  return present.filter((t) => layoutOfTag(t).kind === "queue");
}

export function pinnedSettings(config: RunConfig, models: Record<string, string>): PinnedSettings {
  return {
    inputs: config.inputs.map((p) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(p) ? p : resolve(p))),
    plan: config.plan,
    prompt_version: PROMPT_VERSION,
    domains: [...config.domains],
    models,
    text_field: config.textField,
    id_field: config.idField,
    max_doc_tokens: config.maxDocTokens,
    doc_overflow: config.docOverflow,
    max_windows: config.maxWindows,
  };
}

const FLAG_OF: Record<keyof PinnedSettings, string> = {
  inputs: "inputs",
  plan: "--plan",
  prompt_version: "prompt version",
  domains: "domains",
  models: "models",
  text_field: "--text-field",
  id_field: "--id-field",
  max_doc_tokens: "--max-doc-tokens",
  doc_overflow: "--doc-overflow",
  max_windows: "--max-windows",
};

/** The differences between the pinned settings and a new run's, one readable item each. */
export function pinnedDifferences(was: Partial<PinnedSettings>, now: PinnedSettings): string[] {
  const out: string[] = [];
  for (const key of Object.keys(now) as (keyof PinnedSettings)[]) {
    const a = was[key];
    const b = now[key];
    if (a === undefined || JSON.stringify(a) === JSON.stringify(b)) continue;
    if (key === "inputs") {
      const before = new Set(a as string[]);
      const after = new Set(b as string[]);
      const added = [...after].filter((x) => !before.has(x));
      const removed = [...before].filter((x) => !after.has(x));
      const parts = [...(added.length ? [`added ${added.join(", ")}`] : []), ...(removed.length ? [`removed ${removed.join(", ")}`] : [])];
      out.push(`inputs: ${parts.length ? parts.join("; ") : "same files in another order"}`);
    } else if (key === "models") {
      const ma = a as Record<string, string>;
      const mb = b as Record<string, string>;
      // Stages of another plan are the plan's difference, listed once above.
      for (const stage of Object.keys(mb)) {
        if (stage in ma && ma[stage] !== mb[stage]) out.push(`model for ${stage}: ${ma[stage]} → ${mb[stage]}`);
      }
    } else {
      out.push(`${FLAG_OF[key]}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`);
    }
  }
  return out;
}

export function readManifest(dir: string): Record<string, unknown> | undefined {
  const p = runPaths(dir).run;
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Writer tags that have left state in the directory (a checkpoint or a status file). */
export function writerTags(dir: string): string[] {
  const state = runPaths(dir).state;
  if (!existsSync(state)) return [];
  const tags = new Set<string>();
  for (const f of readdirSync(state)) {
    const m = /^(?:checkpoint|writer)-(.+)\.json$/.exec(f);
    if (m) tags.add(m[1]!);
  }
  return [...tags].sort();
}

/** The layout of a directory: recorded in run.json, else read off its writers' files (older versions). */
export function existingLayout(dir: string, manifest = readManifest(dir)): Layout | undefined {
  const recorded = manifest?.layout as Layout | undefined;
  if (recorded && typeof recorded.kind === "string") return recorded;
  const layouts = writerTags(dir).map(layoutOfTag);
  return layouts[0];
}

/** Pinned settings of a run.json written before they were recorded: rebuilt from its config. */
function pinnedOf(manifest: Record<string, unknown>): Partial<PinnedSettings> {
  if (manifest.pinned) return manifest.pinned as PinnedSettings;
  const c = manifest.config as Partial<RunConfig> | undefined;
  if (!c) return {};
  return {
    inputs: c.inputs?.map((p) => resolve(p)),
    plan: c.plan,
    prompt_version: manifest.prompt_version as string | undefined,
    domains: c.domains,
    models: manifest.models as Record<string, string> | undefined,
    text_field: c.textField,
    id_field: c.idField,
    max_doc_tokens: c.maxDocTokens,
    doc_overflow: c.docOverflow,
  };
}

export interface OpenWriterOptions {
  tag: string;
  config: RunConfig;
  models: Record<string, string>;
  /** Accept different pinned settings (recorded in run.json). */
  force?: boolean;
  log?: (msg: string) => void;
}

/**
 * Admits a writer to a run directory (the caller holds the writer's own lock): refuses another
 * layout, and different pinned settings unless forced; then records the run as running.
 */
export async function admitWriter(dir: string, opts: OpenWriterOptions): Promise<void> {
  const now = new Date().toISOString();
  const layout = layoutOfTag(opts.tag);
  const pinned = pinnedSettings(opts.config, opts.models);
  await underManifestLock(dir, () => {
    const prev = readManifest(dir);
    if (prev && prev.command !== undefined && prev.command !== "run") {
      throw new ManifestError(`${dir} holds the output of \`webscale-rl ${String(prev.command)}\`, not of a run: choose another --out`);
    }
    const was = existingLayout(dir, prev);
    if (was && !sameLayout(was, layout)) {
      const tags = writerTags(dir).slice(0, 4).join(", ");
      throw new ManifestError(
        `${dir} was written with ${describeLayout(was)} (writers: ${tags || "recorded in run.json"}); this run uses ${describeLayout(layout)}, ` +
          `and mixing them would count documents twice: use the same layout as before, or another --out`,
      );
    }
    const forced = [...((prev?.forced as RunManifest["forced"]) ?? [])];
    let keepPins = false;
    // Queue chunks are named by their file and range, and a later submit may add inputs to the
    // same --out: the input list is recorded (all of them) but not compared.
    const queue = (was ?? layout).kind === "queue";
    const prevPins = prev ? pinnedOf(prev) : undefined;
    if (queue) pinned.inputs = [...new Set([...(prevPins?.inputs ?? []), ...pinned.inputs])];
    if (prev) {
      const diffs = pinnedDifferences(queue ? { ...prevPins, inputs: pinned.inputs } : prevPins!, pinned);
      if (diffs.length && !opts.force) {
        throw new ManifestError(
          `${dir} was made with other settings (${diffs.join("; ")}): rerun with the settings in ${runPaths(dir).run}, use another --out, ` +
            `or pass --force to continue with the new ones (recorded in run.json; the outputs will then mix both)`,
        );
      }
      if (diffs.length) {
        // Among several writers (shards, queue chunks) a forced one is recorded without moving
        // the pins: the others go on with the settings they were started with. So when it runs
        // again (a retry, a stalled chunk taken up again, a resume) it meets the same differences,
        // already recorded. A single run's resume takes the new settings as its own.
        const same = (f: NonNullable<RunManifest["forced"]>[number]) => f.writer === opts.tag && f.differences.join("\n") === diffs.join("\n");
        if (!forced.some(same)) forced.push({ at: now, writer: opts.tag, differences: diffs });
        keepPins = (was ?? layout).kind !== "single";
        opts.log?.(`--force: continuing ${dir} with different settings (${diffs.join("; ")}); recorded in run.json.`);
      }
    }
    const manifest: RunManifest = {
      command: "run",
      version: VERSION,
      prompt_version: PROMPT_VERSION,
      created_at: (prev?.created_at as string | undefined) ?? now,
      updated_at: now,
      node: process.version,
      status: "running",
      layout: was ?? layout,
      pinned: keepPins ? ({ ...prevPins, inputs: pinned.inputs } as PinnedSettings) : pinned,
      ...(forced.length ? { forced } : {}),
      sessions: ((prev?.sessions as number | undefined) ?? 0) + 1,
      models: keepPins ? (prev!.models as Record<string, string>) : opts.models,
      config: keepPins ? (prev!.config as RunManifest["config"]) : redactConfig(opts.config),
    };
    writeJsonAtomic(runPaths(dir).run, manifest);
  });
}

/**
 * For the queue: how many chunks were submitted into `dir`, so that readers can tell when all
 * are done. Creates run.json if no worker has written it yet; refuses another layout.
 */
export async function recordQueueChunks(dir: string, chunks: number): Promise<void> {
  await underManifestLock(dir, () => {
    const prev = readManifest(dir);
    const was = existingLayout(dir, prev);
    if (was && was.kind !== "queue") throw new ManifestError(`${dir} was written with ${describeLayout(was)}: the queue needs its own --out`);
    const now = new Date().toISOString();
    writeJsonAtomic(runPaths(dir).run, { command: "run", created_at: now, status: "running", ...prev, layout: { kind: "queue", chunks }, updated_at: now });
  });
}

/** Records a writer's status (`state/writer-<tag>.json`). */
export function recordWriter(dir: string, tag: string, status: WriterStatus, reason?: string): void {
  const rec: WriterRecord = { tag, status, ...(reason ? { reason } : {}), updated_at: new Date().toISOString(), host: hostname(), pid: process.pid };
  writeJsonAtomic(join(runPaths(dir).state, `writer-${tag}.json`), rec);
}

export function readWriter(dir: string, tag: string): WriterRecord | undefined {
  const p = join(runPaths(dir).state, `writer-${tag}.json`);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, "utf8")) as WriterRecord;
  } catch {
    return undefined;
  }
}

/** Rewrites run.json's summary status (after a writer ended), under the manifest lock. */
export async function updateManifestStatus(dir: string, status: WriterStatus): Promise<void> {
  await underManifestLock(dir, () => {
    const prev = readManifest(dir);
    if (!prev) return;
    writeJsonAtomic(runPaths(dir).run, { ...prev, status, updated_at: new Date().toISOString() });
  });
}

async function underManifestLock(dir: string, fn: () => void): Promise<void> {
  // Writers only hold it for a read and a rewrite of run.json: waiting a few seconds is enough.
  const lock = await acquireLock(dir, "manifest", { command: "webscale-rl (updating run.json)", waitMs: 15_000 });
  try {
    fn();
  } finally {
    lock.release();
  }
}

