/** `queue status`: chunk counts, documents and pairs so far, throughput, and failures with their errors. */
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { queueKeys, quietConnectionErrors } from "./redis.js";
import type { ChunkSummary } from "./worker.js";
import type { ChunkJobData } from "./run-store.js";

export interface QueueStatus {
  queue: string;
  chunks: { waiting: number; active: number; delayed: number; completed: number; failed: number; total: number };
  documents: { done: number; in_active_chunks: number; submitted: number };
  pairs: number;
  requests: number;
  tokens: number;
  /** Replies the workers' response caches gave instead of a request (finished chunks). */
  cache_hits: number;
  /** Since the first chunk started, until now (or the last chunk finished when nothing is left). */
  elapsed_seconds: number;
  throughput: { documents_per_second: number; pairs_per_second: number };
  active: { chunk: string; documents: number; of: number; pairs: number }[];
  failures: { chunk: string; input: string; attempts: number; error: string }[];
  runs: { id: string; out: string }[];
}

const describeInput = (d: ChunkJobData) => {
  const i = d.input;
  if (i.fromLine !== undefined) return `${i.path} lines ${i.fromLine}-${(i.toLine ?? 0) - 1}`;
  if (i.fromRow !== undefined) return `${i.path} rows ${i.fromRow}-${(i.toRow ?? 0) - 1}`;
  return i.path;
};

export async function queueStatus(redis: Redis, name: string, opts: { maxFailures?: number } = {}): Promise<QueueStatus> {
  const keys = queueKeys(name);
  const queue = new Queue<ChunkJobData>(name, { connection: redis });
  quietConnectionErrors(queue);
  try {
    const counts = await queue.getJobCounts("waiting", "active", "delayed", "completed", "failed", "prioritized", "waiting-children");
    const chunks = {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      total: 0,
    };
    chunks.total = chunks.waiting + chunks.active + chunks.delayed + chunks.completed + chunks.failed;

    const done = Object.values(await redis.hgetall(keys.chunksDone)).map((v) => JSON.parse(v) as ChunkSummary);
    const activeJobs = await queue.getJobs(["active"], 0, 99);
    const activeProgress = await redis.hgetall(keys.chunksActive);
    const active = activeJobs.map((j) => {
      const p = activeProgress[j.data.chunkId] ? (JSON.parse(activeProgress[j.data.chunkId]!) as { documents: number; pairs: number }) : { documents: 0, pairs: 0 };
      return { chunk: j.data.chunkId, documents: p.documents, of: j.data.docs, pairs: p.pairs };
    });
    const failedJobs = await queue.getJobs(["failed"], 0, (opts.maxFailures ?? 20) - 1);
    const failures = failedJobs.map((j) => ({ chunk: j.data.chunkId, input: describeInput(j.data), attempts: j.attemptsMade, error: j.failedReason ?? "" }));

    const sum = (f: (s: ChunkSummary) => number) => done.reduce((a, s) => a + f(s), 0);
    const documentsDone = sum((s) => s.documents);
    const pairs = sum((s) => s.pairs) + active.reduce((a, c) => a + c.pairs, 0);
    const inActive = active.reduce((a, c) => a + c.documents, 0);
    const startedAt = Number((await redis.get(keys.startedAt)) ?? 0);
    const lastDone = done.reduce((a, s) => Math.max(a, s.finished_at), 0);
    const end = chunks.active + chunks.waiting + chunks.delayed > 0 ? Date.now() : Math.max(lastDone, startedAt);
    const elapsed = startedAt ? Math.max(0, (end - startedAt) / 1000) : 0;
    const runs = Object.entries(await redis.hgetall(keys.runs)).map(([id, v]) => ({ id, out: (JSON.parse(v) as { out: string }).out }));
    const submitted = (await redis.hvals(keys.chunkDocs)).reduce((a, v) => a + Number(v), 0);
    return {
      queue: name,
      chunks,
      documents: { done: documentsDone, in_active_chunks: inActive, submitted },
      pairs,
      requests: sum((s) => s.requests),
      tokens: sum((s) => s.tokens),
      cache_hits: sum((s) => s.cache_hits ?? 0),
      elapsed_seconds: Math.round(elapsed * 10) / 10,
      throughput: {
        documents_per_second: elapsed > 0 ? (documentsDone + inActive) / elapsed : 0,
        pairs_per_second: elapsed > 0 ? pairs / elapsed : 0,
      },
      active,
      failures,
      runs,
    };
  } finally {
    await queue.close();
  }
}

export function formatStatus(s: QueueStatus): string {
  const c = s.chunks;
  const pct = c.total ? ((100 * c.completed) / c.total).toFixed(1) : "0.0";
  const lines = [
    `queue ${s.queue}: ${c.total} chunks — ${c.completed} completed (${pct}%), ${c.active} active, ${c.waiting} waiting, ${c.delayed} delayed, ${c.failed} failed`,
    `documents: ${s.documents.done} done + ${s.documents.in_active_chunks} in active chunks, of ${s.documents.submitted} submitted`,
    `pairs: ${s.pairs}; model requests: ${s.requests}; tokens: ${s.tokens}${s.cache_hits ? `; replies from the response cache: ${s.cache_hits}` : ""} (finished chunks)`,
    `throughput: ${s.throughput.documents_per_second.toFixed(2)} documents/s, ${s.throughput.pairs_per_second.toFixed(2)} pairs/s over ${s.elapsed_seconds} s`,
  ];
  for (const r of s.runs) lines.push(`run ${r.id}: --out ${r.out}`);
  for (const a of s.active) lines.push(`  active ${a.chunk}: ${a.documents}/${a.of} documents, ${a.pairs} pairs`);
  if (s.failures.length) lines.push(`failed chunks (${c.failed}):`);
  for (const f of s.failures) lines.push(`  ${f.chunk} ${f.input} after ${f.attempts} attempts: ${f.error}`);
  if (s.failures.length) lines.push("  fix the cause, then put them back: webscale-rl queue retry (same --redis and --queue)");
  return lines.join("\n");
}
