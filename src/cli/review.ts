/** `webscale-rl review <dir>`: the human review app (src/review), or with --summary what the reviews measure. */
import { existsSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import type { Command } from "commander";
import { runPaths } from "../io/run-dir.js";
import { decisionsPath } from "../review/decisions.js";
import { loadReviewItems } from "../review/items.js";
import { isLoopback, startReviewServer } from "../review/server.js";
import { formatSummary, summarizeReview } from "../review/summary.js";

interface ReviewFlags {
  port: string;
  host: string;
  sample?: string;
  rejected?: boolean;
  sampleRejected?: string;
  seed: string;
  reviewer?: string;
  summary?: boolean;
  json?: boolean;
  demosOut?: string;
}

function count(raw: string, flag: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be a whole number of at least ${min}, got "${raw}"`);
  return n;
}

function defaultReviewer(): string {
  try {
    return process.env.USER || userInfo().username || "reviewer";
  } catch {
    return "reviewer";
  }
}

export function registerReview(program: Command): void {
  program
    .command("review")
    .description(
      "Review QA pairs in a local web page, one at a time, by keyboard (a accept, r reject + reason, e edit, s skip, p back, u undo); " +
        "decisions are appended to <dir>/review/decisions.jsonl, which curate and export apply. --summary: the share humans accept, with 95 % intervals, and the verifier measured against them.",
    )
    .argument("<dir>", "a run or curated directory (holds qa/, and rejected/ for --rejected)")
    .option("--sample <n>", "review a seeded random sample of n kept pairs, stratified by domain (default: all)")
    .option("--rejected", "also review the rejected pairs (rejected/), to overturn the pipeline's rejections")
    .option("--sample-rejected <n>", "review a stratified sample of n rejected pairs (implies --rejected)")
    .option("--seed <n>", "seed of the samples", "42")
    .option("--reviewer <name>", "your name in the decisions (default: $USER)")
    .option("--port <n>", "port to listen on (0: any free one)", "8765")
    .option("--host <address>", "address to bind; anything but loopback also requires the access key printed in the URL", "127.0.0.1")
    .option("--demos-out <dir>", "folder to promote accepted pairs into as demonstrations (key d; the format of data/demos/, for a later run's --demos)")
    .option("--summary", "print what the reviews so far measure and exit (no server)")
    .option("--json", "with --summary: print JSON")
    .action(async (dir: string, flags: ReviewFlags) => {
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`review: ${dir} is not a directory; give the --out directory of \`webscale-rl run\` or \`webscale-rl curate\``);
      if (!existsSync(runPaths(dir).qa)) throw new Error(`review: ${dir} has no qa/ folder; give the --out directory of \`webscale-rl run\` or \`webscale-rl curate\``);
      const seed = count(flags.seed, "--seed", 0);
      if (flags.summary) {
        const s = await summarizeReview(dir);
        process.stdout.write(flags.json ? JSON.stringify(s, null, 2) + "\n" : formatSummary(s));
        return;
      }
      const sample = flags.sample === undefined ? undefined : count(flags.sample, "--sample", 1);
      const rejected = flags.sampleRejected !== undefined ? count(flags.sampleRejected, "--sample-rejected", 1) : flags.rejected ? undefined : 0;
      const port = count(flags.port, "--port", 0);
      if (port > 65535) throw new Error(`--port must be at most 65535, got ${port}`);
      const reviewer = flags.reviewer ?? defaultReviewer();
      if (!/^[\w.@-]{1,64}$/.test(reviewer)) throw new Error(`--reviewer: use letters, digits and . _ - @ (at most 64), got "${reviewer}"`);

      const loaded = await loadReviewItems(dir, { sample, rejected, seed });
      if (loaded.items.length === 0) throw new Error(`review: ${dir} has no pairs to review (qa/ is empty${rejected === 0 ? "; add --rejected to review rejected pairs" : ""})`);
      for (const b of loaded.bad.slice(0, 3)) process.stderr.write(`review: skipped unreadable line ${b}\n`);
      const srv = await startReviewServer({ dir, loaded, reviewer, host: flags.host, port, demosOut: flags.demosOut }).catch((e: NodeJS.ErrnoException) => {
        if (e.code === "EADDRINUSE") throw new Error(`review: port ${port} is in use; pick another with --port (or --port 0 for any free one)`);
        throw e;
      });
      const what = sample !== undefined ? `a sample of ${Math.min(sample, loaded.keptTotal)} of ${loaded.keptTotal} kept pairs (stratified by domain, seed ${seed})` : `all ${loaded.keptTotal} kept pairs`;
      const rej = rejected === 0 ? "" : ` and ${loaded.items.filter((i) => i.status === "rejected").length} of ${loaded.rejectedTotal} rejected pairs`;
      process.stdout.write(`review: ${what}${rej}, as ${reviewer}\n`);
      process.stdout.write(`review: decisions are appended to ${decisionsPath(dir)}\n`);
      if (!isLoopback(flags.host)) process.stdout.write(`review: bound to ${flags.host}: anyone with this URL (it holds the access key) can review\n`);
      process.stdout.write(`review: open ${srv.url}  (Ctrl-C to stop)\n`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void srv.close().then(done);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      process.stdout.write(`review: stopped; \`webscale-rl review --summary ${dir}\` shows what the decisions measure\n`);
    });
}
