/**
 * Combines the statistics of every writer of a run directory (shards `sIofN`, queue chunks
 * `c-<id>`, or the single `main`) into one `Stats`. Reads each writer's checkpoint
 * (`state/checkpoint-<tag>.json`: counters and LLM figures as of its last commit, so exactly
 * what its committed outputs hold), plus its curation block from `state/stats-<tag>.json`
 * and, for queue chunks, when it finished (`state/times-<tag>.json`) to place its timeline.
 * Counts are summed; wall time is the longest writer, or the span of the chunks when known.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { addLlmStats, emptyLlmStats } from "../llm/counters.js";
import type { Stats } from "../records.js";
import { runPaths } from "../io/run-dir.js";
import type { Checkpoint } from "./checkpoint.js";
import { StatsTracker, type TrackerState } from "./stats-tracker.js";
import { addIoStats, type IoStats } from "../io/remote/io-stats.js";

export interface Writer {
  tag: string;
  checkpoint: Checkpoint;
  curation?: Record<string, unknown>;
  documentsFailed?: number;
  /** ms since epoch, when the writer's last session ended (queue chunks record it). */
  finishedAt?: number;
}

const MAX_TIMELINE = 2000;

const readJson = <T>(path: string): T | undefined => (existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as T) : undefined);

export function readWriters(out: string): Writer[] {
  const state = runPaths(out).state;
  if (!existsSync(state)) return [];
  const tags = readdirSync(state)
    .map((f) => /^checkpoint-(.+)\.json$/.exec(f)?.[1])
    .filter((t): t is string => t !== undefined)
    .sort();
  return tags.map((tag) => {
    const checkpoint = readJson<Checkpoint>(join(state, `checkpoint-${tag}.json`))!;
    const stats = tag === "main" ? readJson<Stats>(runPaths(out).stats) : readJson<Stats>(join(state, `stats-${tag}.json`));
    const times = readJson<{ finished_at: string }>(join(state, `times-${tag}.json`));
    return {
      tag,
      checkpoint,
      curation: stats?.curation,
      documentsFailed: stats?.documents_failed,
      finishedAt: times ? Date.parse(times.finished_at) : undefined,
    };
  });
}

const addMap = (into: Record<string, number>, from: Record<string, number | undefined> = {}) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + (v ?? 0);
};

/** Sums numbers at the same place in two JSON trees; other values: the first one wins. */
function sumTrees(a: unknown, b: unknown): unknown {
  if (a === undefined) return structuredClone(b);
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = sumTrees(out[k], v);
    return out;
  }
  return a;
}

type Sample = NonNullable<Stats["timeline"]>[number];
const SAMPLE_FIELDS = ["documents", "accepted", "prompt_tokens", "completion_tokens"] as const;

/**
 * The run's cumulative timeline: each writer's samples shifted by its start offset, summed as
 * step functions (a writer counts with its latest sample at each moment), sweeping once.
 */
function mergeTimelines(parts: { offset: number; timeline: Sample[] }[]): Sample[] {
  const events: { t: number; writer: number; s: Sample }[] = [];
  parts.forEach((p, writer) => p.timeline.forEach((s) => events.push({ t: s.t + p.offset, writer, s })));
  events.sort((x, y) => x.t - y.t);
  const last: (Sample | undefined)[] = parts.map(() => undefined);
  const total: Sample = { t: 0, documents: 0, accepted: 0, prompt_tokens: 0, completion_tokens: 0 };
  let out: Sample[] = [];
  for (const e of events) {
    const prev = last[e.writer];
    for (const f of SAMPLE_FIELDS) total[f] += e.s[f] - (prev?.[f] ?? 0);
    last[e.writer] = e.s;
    const point = { ...total, t: Math.round(e.t * 10) / 10 };
    if (out.length && out[out.length - 1]!.t === point.t) out[out.length - 1] = point;
    else out.push(point);
  }
  if (out.length > MAX_TIMELINE) {
    const step = out.length / MAX_TIMELINE;
    out = Array.from({ length: MAX_TIMELINE }, (_, i) => out[Math.min(out.length - 1, Math.round((i + 1) * step) - 1)]!);
  }
  return out;
}

export function mergeWriters(writers: Writer[]): Stats {
  const state: TrackerState = new StatsTracker().state;
  let llm = emptyLlmStats();
  let curation: unknown;
  let failed = 0;
  let io: IoStats | undefined;
  for (const w of writers) {
    const t = w.checkpoint.tracker;
    state.documents_read += t.documents_read;
    state.windows_extra += t.windows_extra;
    state.qa_accepted += t.qa_accepted;
    addMap(state.funnel as Record<string, number>, t.funnel as Record<string, number | undefined>);
    addMap(state.rejections, t.rejections);
    addMap(state.domains, t.domains);
    llm = addLlmStats(llm, w.checkpoint.llm);
    if (w.curation) curation = sumTrees(curation, w.curation);
    failed += w.documentsFailed ?? 0;
    io = addIoStats(io, w.checkpoint.io);
  }
  // Chunks that know when they finished are placed on one clock; the others (shards) start together.
  const starts = writers.map((w) => (w.finishedAt !== undefined ? w.finishedAt - w.checkpoint.wallSeconds * 1000 : undefined));
  const known = starts.filter((s): s is number => s !== undefined);
  const t0 = known.length ? Math.min(...known) : 0;
  const offsets = starts.map((s) => (s === undefined ? 0 : (s - t0) / 1000));
  state.timeline = mergeTimelines(writers.map((w, i) => ({ offset: offsets[i]!, timeline: w.checkpoint.tracker.timeline ?? [] })));
  const wall = Math.max(0, ...writers.map((w, i) => offsets[i]! + w.checkpoint.wallSeconds));
  const stats = new StatsTracker(state).toStats(llm, wall, curation as Record<string, unknown> | undefined);
  if (failed > 0) stats.documents_failed = failed;
  if (io) stats.io = io;
  return stats;
}
