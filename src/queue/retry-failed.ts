/**
 * `queue retry`: failed chunks back into the queue, with their attempts counted from zero.
 * A chunk fails for good after --attempts tries (a vanished file, a server down for longer
 * than the backoff); once the cause is fixed, retrying it resumes from its checkpoint like
 * any other attempt, so nothing is done twice.
 */
import { Queue, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { quietConnectionErrors } from "./redis.js";
import type { ChunkJobData } from "./run-store.js";

export interface RetryResult {
  /** Chunk ids put back into the queue. */
  retried: string[];
  /** Chunk ids asked for that are not in the failed set. */
  notFailed: string[];
}

const PAGE = 500;

async function failedJobs(queue: Queue<ChunkJobData>): Promise<Job<ChunkJobData>[]> {
  const jobs: Job<ChunkJobData>[] = [];
  // Retrying moves jobs out of the failed set, so the pages are read before any retry.
  for (let start = 0; ; start += PAGE) {
    const page = await queue.getJobs(["failed"], start, start + PAGE - 1);
    jobs.push(...page);
    if (page.length < PAGE) return jobs;
  }
}

/** Every failed chunk of the queue, or only those named in `chunkIds`. */
export async function retryFailed(redis: Redis, name: string, chunkIds: string[] = []): Promise<RetryResult> {
  const queue = new Queue<ChunkJobData>(name, { connection: redis });
  quietConnectionErrors(queue);
  try {
    const failed = await failedJobs(queue);
    const wanted = new Set(chunkIds);
    const chosen = chunkIds.length ? failed.filter((j) => wanted.has(j.data.chunkId)) : failed;
    const found = new Set(chosen.map((j) => j.data.chunkId));
    for (const job of chosen) await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    return { retried: [...found], notFailed: chunkIds.filter((id) => !found.has(id)) };
  } finally {
    await queue.close();
  }
}
