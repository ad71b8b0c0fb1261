/**
 * `npm run bench`: every bench in sequence at small default sizes (about thirteen minutes on two
 * cores), each printing JSON lines, then one combined JSON summary on the last line.
 *
 *   npm run bench [-- --only fleet,path,io,...] [--seconds 30] [--docs 20000] [--rss-docs 100000] [--full]
 * `--full` uses the issue's sizes (1M documents for the memory bench, the other benches' own defaults).
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    seconds: { type: "string", default: "20" },
    docs: { type: "string", default: "20000" },
    "rss-docs": { type: "string", default: "100000" },
    full: { type: "boolean", default: false },
  },
});
const full = values.full!;
const here = import.meta.dirname;

/** name → [file, args, env]. */
const BENCHES: Record<string, [string, string[], Record<string, string>?]> = {
  fleet: ["pipeline-fleet.ts", ["--seconds", values.seconds!, "--warmup", "10", "--token-docs", "300"]],
  path: ["pipeline-path.ts", ["--docs", values.docs!, "--rss-docs", full ? "1000000" : values["rss-docs"]!]],
  io: ["io-throughput.ts", full ? [] : ["--mb", "50"]],
  curate: ["curate-throughput.ts", full ? [] : ["--pairs", "200000"]],
  quality: ["quality.ts", []],
  export: ["export-throughput.ts", [], full ? {} : { EXPORT_BENCH_PAIRS: "100000" }],
  report: ["report-build.ts", full ? [] : ["20000"]],
  "reward-rules": ["reward-rules.ts", full ? [] : ["100000"]],
  "reward-quality": ["reward-quality.ts", []],
  "reward-server": ["reward-server.ts", full ? [] : ["3"]],
  "reward-triviaqa": ["reward-triviaqa.ts", []],
  rollout: ["rollout.ts", ["--seconds", values.seconds!]],
  "local-engine": ["local-engine.ts", full ? [] : ["--docs", "4"]],
  cache: ["cache-rerun.ts", []],
};

const selected = values.only ? values.only.split(",") : Object.keys(BENCHES);
const unknown = selected.filter((n) => !(n in BENCHES));
if (unknown.length) {
  process.stderr.write(`unknown bench: ${unknown.join(", ")} (choose from ${Object.keys(BENCHES).join(", ")})\n`);
  process.exit(2);
}

const summary: Record<string, { ok: boolean; seconds: number; results: unknown[]; error?: string }> = {};
for (const name of selected) {
  const [file, args, env] = BENCHES[name]!;
  process.stderr.write(`bench ${name} ...\n`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", resolve(here, file), ...args], {
    encoding: "utf8",
    env: { ...process.env, ...(env ?? {}) },
    maxBuffer: 1 << 26,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const results: unknown[] = [];
  for (const line of (r.stdout ?? "").split("\n")) {
    const t = line.trim();
    if (!t.startsWith("{") && !t.startsWith("[")) continue;
    try {
      results.push(JSON.parse(t));
    } catch {
      // a bench may print multi-line JSON: keep the raw text of the whole output instead
    }
  }
  if (results.length === 0 && r.stdout?.trim()) {
    try {
      results.push(JSON.parse(r.stdout));
    } catch {
      /* not JSON */
    }
  }
  for (const x of results) process.stdout.write(JSON.stringify({ bench_file: file, ...(x as object) }) + "\n");
  summary[name] = { ok: r.status === 0, seconds: Math.round((Date.now() - t0) / 100) / 10, results, ...(r.status === 0 ? {} : { error: `exit ${r.status}` }) };
}
process.stdout.write(JSON.stringify({ summary }) + "\n");
process.exit(Object.values(summary).every((s) => s.ok) ? 0 : 1);
