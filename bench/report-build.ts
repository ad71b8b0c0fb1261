/**
 * Builds the report for a synthetic run of 100,000 pairs (or argv[2]) and prints
 * {pairs, seconds, html_mb, peak_rss_mb, ...} as JSON. Not a test: figures depend on the machine.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildReport } from "../src/report/build.js";
import { makeSyntheticRun } from "../test/support/synthetic-run.js";

const pairs = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), "wsrl-bench-report-"));
try {
  makeSyntheticRun(join(dir, "run"), { pairs, seed: 11 });
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const cpu0 = process.cpuUsage();
  const s = await buildReport({ runDir: join(dir, "run"), out: join(dir, "report.html") });
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(
    JSON.stringify({
      pairs: s.accepted,
      seconds: Number(s.seconds.toFixed(2)),
      cpu_seconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      html_mb: Number((s.bytes / 1e6).toFixed(2)),
      peak_rss_mb: Math.round(peak / 1e6),
      map_points: s.mapPoints,
      table_rows: s.tableRows,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
