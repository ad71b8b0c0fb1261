/**
 * Is an output directory complete? What `curate`, `export`, `report` and `merge` ask of their
 * input before they read it. A run directory is complete when every writer its layout needs
 * says so in `state/writer-<tag>.json` and none holds its lock; a curated or rollout directory
 * when its `run.json` says so. Anything else is incomplete, with the reason and what to do, unless the
 * user passes `--allow-incomplete`.
 */
import { existsSync } from "node:fs";
import { describeOwner, inspectLock } from "./output-lock.js";
import { expectedTags, existingLayout, readManifest, readWriter, writerTags, type Layout } from "./run-manifest.js";

export type WriterState = "complete" | "running" | "stopped" | "interrupted" | "missing";

export interface Completion {
  /** undefined: written before outputs said whether they were complete (no marker to judge by). */
  complete: boolean | undefined;
  /** Why not, in one line (empty when complete). */
  why: string;
  /** What to do about it. */
  fix: string;
  layout?: Layout;
  writers: { tag: string; state: WriterState; detail?: string }[];
}

/** The completion of a run or curated directory. */
export function completionOf(dir: string): Completion {
  const manifest = readManifest(dir);
  if (manifest?.command === "curate") return curateCompletion(dir, manifest);
  if (manifest?.command === "rollout") return rolloutCompletion(dir, manifest);
  const layout = existingLayout(dir, manifest);
  if (!layout || !manifest?.layout) {
    return { complete: undefined, why: `${dir} has no completion marker (written by an older version, or not a run directory)`, fix: "", layout, writers: [] };
  }
  const present = writerTags(dir);
  const tags = expectedTags(layout, present);
  const writers = tags.map((tag) => writerState(dir, tag));
  const pending = writers.filter((w) => w.state !== "complete");
  if (layout.kind === "queue" && pending.length === 0) {
    // Chunks not started yet leave no trace: only the submitted count can tell.
    if (layout.chunks === undefined) return { complete: undefined, why: `${dir} was written by the queue, whose chunk count is not recorded in run.json`, fix: "", layout, writers };
    if (writers.length < layout.chunks) {
      return { complete: false, why: `${dir} is not complete: ${writers.length} of ${layout.chunks} queue chunks are done`, fix: "let the queue's workers finish its chunks (webscale-rl queue status)", layout, writers };
    }
  }
  if (pending.length === 0) return { complete: true, why: "", fix: "", layout, writers };
  const listed = pending.slice(0, 5).map((w) => `${w.tag} ${w.state}${w.detail ? ` (${w.detail})` : ""}`);
  const more = pending.length > 5 ? `, and ${pending.length - 5} more` : "";
  const running = pending.some((w) => w.state === "running");
  const fix = running
    ? "wait for it to finish"
    : layout.kind === "queue"
      ? "let the queue's workers finish its chunks (webscale-rl queue status)"
      : "rerun the same `webscale-rl run` command to finish it (it resumes)";
  return { complete: false, why: `${dir} is not complete: ${listed.join(", ")}${more}`, fix, layout, writers };
}

function writerState(dir: string, tag: string): Completion["writers"][number] {
  const lock = inspectLock(dir, tag);
  if (lock.state === "held") return { tag, state: "running", detail: `by ${describeOwner(lock.owner)}` };
  const rec = readWriter(dir, tag);
  if (!rec) return { tag, state: "missing", detail: "never started" };
  if (rec.status === "complete") return { tag, state: "complete" };
  if (rec.status === "stopped") return { tag, state: "stopped", detail: rec.reason };
  return { tag, state: "interrupted", detail: "killed or crashed" };
}

function curateCompletion(dir: string, manifest: Record<string, unknown>): Completion {
  const status = manifest.status as string | undefined;
  if (status === undefined) return { complete: undefined, why: `${dir} has no completion marker (written by an older version)`, fix: "", writers: [] };
  if (status === "complete") return { complete: true, why: "", fix: "", writers: [] };
  const lock = inspectLock(dir, "curate");
  if (lock.state === "held") return { complete: false, why: `${dir} is still being curated by ${describeOwner(lock.owner)}`, fix: "wait for it to finish", writers: [] };
  const fix = "rerun the same `webscale-rl curate` command (it starts over)";
  if (status === "stopped") return { complete: false, why: `${dir} is an unfinished curate (it stopped: ${String(manifest.reason ?? "no reason recorded")})`, fix, writers: [] };
  return { complete: false, why: `${dir} is an interrupted curate (killed or crashed before the end)`, fix, writers: [] };
}

/** A rollout's run.json says running / stopped / complete; it resumes, so the fix is to rerun it. */
function rolloutCompletion(dir: string, manifest: Record<string, unknown>): Completion {
  const status = manifest.status as string | undefined;
  if (status === "complete") return { complete: true, why: "", fix: "", writers: [] };
  const lock = inspectLock(dir, "rollout");
  if (lock.state === "held") return { complete: false, why: `${dir} is still being rolled out by ${describeOwner(lock.owner)}`, fix: "wait for it to finish", writers: [] };
  const fix = "rerun the same `webscale-rl rollout` command (it resumes)";
  if (status === "stopped") return { complete: false, why: `${dir} is an unfinished rollout (it stopped: ${String(manifest.reason ?? "no reason recorded")})`, fix, writers: [] };
  return { complete: false, why: `${dir} is an interrupted rollout (killed or crashed before the end)`, fix, writers: [] };
}

export class IncompleteInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IncompleteInputError";
  }
}

/**
 * Refuses an incomplete input directory unless allowed; returns a note to print when it is let
 * through or cannot be judged.
 */
export function requireComplete(dir: string, allowIncomplete: boolean): string | undefined {
  if (!existsSync(dir)) return undefined;
  const c = completionOf(dir);
  if (c.complete === true) return undefined;
  if (c.complete === undefined) return `note: ${c.why}; it is read as it is.`;
  if (allowIncomplete) return `note: ${c.why}; reading it anyway (--allow-incomplete).`;
  throw new IncompleteInputError(`${c.why}: ${c.fix}, or pass --allow-incomplete to use what it holds`);
}
