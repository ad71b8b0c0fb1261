/**
 * Export throughput and memory: builds a synthetic run of N pairs (default 300 000; set
 * EXPORT_BENCH_PAIRS=1200000 for the paper's scale) and exports it to verl. Prints JSON
 * {rows, seconds, rows_per_second, peak_rss_mb, ...}; peak RSS is sampled during the
 * export only, so it shows whether memory stays bounded as N grows.
 *
 *   npx tsx bench/export-throughput.ts            # 300k pairs
 *   EXPORT_BENCH_PAIRS=1200000 EXPORT_BENCH_SOURCE_TEXT=1 npx tsx bench/export-throughput.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportDataset } from "../src/export/export.js";
import { resolvePolicyPrompt } from "../src/export/policy-prompt.js";
import { parseTestSize } from "../src/export/split.js";
import { makeSyntheticRun } from "../test/support/synthetic-run.js";

const pairs = Number(process.env.EXPORT_BENCH_PAIRS ?? 300_000);
const includeSourceText = process.env.EXPORT_BENCH_SOURCE_TEXT === "1";
const root = mkdtempSync(join(tmpdir(), "wsrl-export-bench-"));
try {
  const run = join(root, "run");
  const genStart = performance.now();
  makeSyntheticRun(run, { pairs, seed: 1 });
  const generateSeconds = (performance.now() - genStart) / 1000;

  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const start = performance.now();
  const summary = await exportDataset({
    dir: run,
    format: "verl",
    out: join(root, "out"),
    testSize: parseTestSize("0.01"),
    seed: 42,
    prompt: await resolvePolicyPrompt(),
    includeSourceText,
    dataSource: "webscale-rl",
  });
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const rows = summary.rows.train + summary.rows.test;
  const mb = (b: number) => Math.round(b / 1024 / 1024);
  console.log(
    JSON.stringify({
      bench: "export-throughput",
      format: "verl",
      include_source_text: includeSourceText,
      rows,
      seconds: Number(seconds.toFixed(2)),
      rows_per_second: Math.round(rows / seconds),
      peak_rss_mb: mb(peak),
      rss_before_export_mb: mb(baseline),
      output_mb: mb(summary.files.reduce((a, f) => a + f.bytes, 0)),
      generate_seconds: Number(generateSeconds.toFixed(2)),
    }),
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
