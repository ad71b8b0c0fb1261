/** `webscale-rl merge <out>`: one stats.json from the statistics of every shard or queue chunk that wrote into <out>. */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { listParts, runPaths } from "../io/run-dir.js";
import { writeJsonAtomic } from "../io/atomic-file.js";
import { completionOf } from "../io/completion.js";
import { acquireLock } from "../io/output-lock.js";
import { mergeWriters, readWriters } from "../pipeline/merge-stats.js";

async function countLines(files: string[]): Promise<number> {
  let n = 0;
  for (const f of files) {
    const rl = createInterface({ input: createReadStream(f, { encoding: "utf8" }), crlfDelay: Infinity });
    for await (const line of rl) if (line.trim() !== "") n++;
  }
  return n;
}

const describeTags = (tags: string[]) => {
  const chunks = tags.filter((t) => t.startsWith("c-")).length;
  const others = tags.filter((t) => !t.startsWith("c-"));
  return [...others, ...(chunks ? [`${chunks} queue chunks`] : [])].join(", ");
};

export function registerMerge(program: Command): void {
  program
    .command("merge")
    .description("Combine the statistics of the shards (--shard I/N) or queue chunks that wrote into one output directory into its stats.json.")
    .argument("<out>", "the shared output directory")
    .option("--json", "print the merged stats as JSON on stdout")
    .addHelpText(
      "after",
      `
Each writer keeps its figures in <out>/state/ (checkpoint-<tag>.json); merge sums them (funnel,
rejections, model requests and tokens per stage/model/endpoint, domains, curation), takes the
longest wall time, merges the timelines, and writes <out>/stats.json. Run it again any time:
it only reads the writers' files. It says which writers are not complete yet (still running,
killed or stopped); merge again once they are. Global dedup and quotas over all shards:
webscale-rl curate <out> --out <dir>.`,
    )
    .action(async (out: string, flags: { json?: boolean }) => {
      if (!existsSync(runPaths(out).state)) throw new Error(`${out} is not a run directory (no state/ folder): pass the --out of the shards or of the queue`);
      const log = (m: string) => process.stderr.write(m + "\n");
      // One merge at a time writes stats.json.
      const lock = await acquireLock(out, "merge", { command: "webscale-rl merge", log });
      try {
        await merge(out, flags, log);
      } finally {
        lock.release();
      }
    });
}

async function merge(out: string, flags: { json?: boolean }, log: (m: string) => void): Promise<void> {
  const writers = readWriters(out);
  if (writers.length === 0) throw new Error(`${out}/state holds no checkpoint-*.json: no shard or chunk has committed anything yet`);
  const stats = mergeWriters(writers);
  writeJsonAtomic(runPaths(out).stats, stats);
  if (flags.json) process.stdout.write(JSON.stringify(stats, null, 2) + "\n");
  const p = runPaths(out);
  const parts = { qa: listParts(p.qa), rejected: listParts(p.rejected), documents: listParts(p.documents) };
  const records = { qa: await countLines(parts.qa), rejected: await countLines(parts.rejected), documents: await countLines(parts.documents) };
  const rejections = Object.values(stats.rejections).reduce((a, b) => a + b, 0);
  log(`merge ${out}: ${writers.length} writers (${describeTags(writers.map((w) => w.tag))})`);
  log(`  parts: qa ${parts.qa.length} files (${records.qa} pairs), rejected ${parts.rejected.length} files (${records.rejected} records), documents ${parts.documents.length} files (${records.documents} documents)`);
  log(
    `  totals: ${stats.documents_read} documents read → ${stats.qa_accepted} pairs; ${rejections} rejections; ` +
      `${stats.llm.requests} model requests, ${stats.llm.prompt_tokens + stats.llm.completion_tokens} tokens; wall ${stats.wall_seconds.toFixed(1)} s`,
  );
  const completion = completionOf(out);
  if (completion.complete === false) log(`  note: ${completion.why}: ${completion.fix}, then merge again.`);
  else if (records.qa !== stats.qa_accepted) {
    log(`  note: qa/ holds ${records.qa} pairs but the checkpoints count ${stats.qa_accepted}: a writer is still running or was killed (rerun it: it resumes and trims its parts), then merge again.`);
  }
  log(`wrote ${p.stats}`);
}
