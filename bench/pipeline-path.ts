/**
 * The non-model path and memory at scale. Prints one JSON object per measurement:
 * - path.*: read → (gunzip) → parse → prefilter → stages' prompts → records → writes, with an
 *   instant in-process model (bench/support/instant-client.ts): MB of JSONL per second (wall)
 *   and per CPU second (= per core), CPU ms per document; plain and .gz input, both plans;
 *   and `path.http`: the same against the simulated server in instant mode over real HTTP.
 * - rss: N synthetic documents (default 1,000,000 with --rss-docs) streamed through the
 *   pipeline with the instant model: peak RSS must stay under 500 MB.
 * Each measurement runs in a fresh child process, so its peak RSS is its own.
 *
 *   npx tsx bench/pipeline-path.ts [--only path,http,rss] [--docs 20000] [--rss-docs 1000000]
 */
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { resolveRunConfig } from "../src/config/load.js";
import { createLlmClient } from "../src/llm/index.js";
import { runPipeline } from "../src/pipeline/run.js";
import type { LlmClient } from "../src/llm/types.js";
import { instantClient } from "./support/instant-client.js";
import { writeCorpus } from "./support/synthetic-corpus.js";
import { startSimServerProcess } from "../test/support/sim-server.js";

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "path,http,rss" },
    docs: { type: "string", default: "20000" },
    "rss-docs": { type: "string", default: "1000000" },
    child: { type: "string" },
  },
});

if (values.child) {
  const { file, bytes, plan, http } = JSON.parse(values.child) as { file: string; bytes: number; plan: "paper" | "efficient"; http: boolean };
  const out = mkdtempSync(join(tmpdir(), "wsrl-path-"));
  const sim = http ? await startSimServerProcess({ instant: true }) : undefined;
  const { config } = resolveRunConfig(
    {
      inputs: [file],
      out,
      plan,
      progress: "none",
      curate: { dedup: false, decontaminate: false, quality: false },
      llm: { concurrency: 256, defaults: { baseUrl: [sim?.url ?? "http://127.0.0.1:9/v1"], model: "sim" } },
    },
    { env: {} },
  );
  const llm: LlmClient = sim ? await createLlmClient(config.llm) : instantClient(256);
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  const res = await runPipeline(config, { llm, log: () => {} });
  const wall = (Date.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  const cpu = (c.user + c.system) / 1e6;
  await sim?.close();
  rmSync(out, { recursive: true, force: true });
  const mb = bytes / 1e6;
  process.stdout.write(
    JSON.stringify({
      documents: res.stats.documents_read,
      accepted: res.stats.qa_accepted,
      requests: llm.stats().requests,
      mb: Math.round(mb),
      seconds: +wall.toFixed(1),
      mb_per_s: +(mb / wall).toFixed(1),
      mb_per_cpu_s: +(mb / cpu).toFixed(1),
      docs_per_s: Math.round(res.stats.documents_read / wall),
      cpu_ms_per_doc: +((cpu * 1000) / res.stats.documents_read).toFixed(3),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    }) + "\n",
  );
  process.exit(0);
}

const only = new Set(values.only!.split(","));
const dir = mkdtempSync(join(tmpdir(), "wsrl-pathbench-"));
const measure = (bench: string, file: string, bytes: number, plan: string, http = false) => {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--child", JSON.stringify({ file, bytes, plan, http })], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) throw new Error(`${bench} failed: ${child.stderr}`);
  const row = JSON.parse(child.stdout.trim().split("\n").pop()!);
  process.stdout.write(JSON.stringify({ bench, plan, ...row }) + "\n");
};
try {
  if (only.has("path") || only.has("http")) {
    const file = join(dir, "docs.jsonl");
    const { bytes } = await writeCorpus(file, { docs: Number(values.docs), seed: 3 });
    if (only.has("path")) {
      await pipeline(createReadStream(file), createGzip({ level: 1 }), createWriteStream(file + ".gz"));
      for (const plan of ["efficient", "paper"]) measure("path.jsonl", file, bytes, plan);
      measure("path.jsonl.gz", file + ".gz", bytes, "efficient");
    }
    if (only.has("http")) measure("path.http", file, bytes, "efficient", true);
    rmSync(file, { force: true });
    rmSync(file + ".gz", { force: true });
  }
  if (only.has("rss")) {
    const file = join(dir, "big.jsonl");
    const { bytes } = await writeCorpus(file, { docs: Number(values["rss-docs"]), seed: 5 });
    measure("rss", file, statSync(file).size && bytes, "efficient");
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
