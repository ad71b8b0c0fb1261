/** `webscale-rl report <run-dir>`: one self-contained HTML page about a run (src/report). */
import type { Command } from "commander";
import { basename, dirname } from "node:path";
import { buildReport } from "../report/build.js";
import { parsePassRateBand, type PassRateBand } from "../curate/difficulty.js";
import { requireComplete } from "../io/completion.js";
import { checkWritableFile } from "../io/output-check.js";
import { acquireLock } from "../io/output-lock.js";
import { BUILTIN_PRICES, builtinPrice, parsePrice, type PriceChoice } from "../report/prices.js";

interface ReportFlags {
  out: string;
  price?: string;
  priceModel?: string;
  embedBaseUrl?: string;
  embedModel?: string;
  compare?: string;
  maxMapPoints: string;
  maxTableRows: string;
  seed: string;
  passRateBand?: string;
  allowIncomplete?: boolean;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

function priceChoice(flags: ReportFlags): PriceChoice {
  if (flags.price && flags.priceModel) throw new Error("give either --price or --price-model, not both");
  if (flags.price) return { kind: "flat", price: parsePrice(flags.price), label: `--price ${flags.price}` };
  if (flags.priceModel) {
    const price = builtinPrice(flags.priceModel);
    if (!price) throw new Error(`--price-model: no built-in price for "${flags.priceModel}"; known: ${Object.keys(BUILTIN_PRICES).join(", ")}; or pass --price in=…,out=…`);
    return { kind: "flat", price, label: `built-in price of ${flags.priceModel}` };
  }
  return { kind: "builtin-per-model" };
}

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("Write one self-contained HTML report of a run: funnel, domains, personas, cost, difficulty (pass rates, after webscale-rl rollout), diversity map, sample browser.")
    .argument("<run-dir>", "a run's output directory")
    .option("-o, --out <file>", "HTML file to write", "report.html")
    .option("--price <in=..,out=..>", "dollars per million prompt (in) and completion (out) tokens, applied to every model")
    .option("--price-model <name>", `price every model like this built-in one (${Object.keys(BUILTIN_PRICES).join(", ")})`)
    .option("--embed-base-url <url>", "OpenAI-compatible base URL (…/v1) for question embeddings; default: built-in lexical embedding")
    .option("--embed-model <name>", "embedding model name (with --embed-base-url)")
    .option("--compare <file.jsonl>", "another QA dataset (JSONL with a question field) to put on the same map")
    .option("--max-map-points <n>", "questions on the diversity map (stratified sample)", "5000")
    .option("--max-table-rows <n>", "accepted pairs embedded in the sample browser (seeded sample)", "20000")
    .option("--seed <n>", "seed for samples and the map", "42")
    .option("--pass-rate-band <min-max>", "the learnable band the difficulty section shows, both ends included (default: the band a curate --pass-rate kept, else 0.1-0.9)")
    .option("--allow-incomplete", "report on a run that is not complete (still going, killed or stopped) instead of refusing it")
    .action(async (runDir: string, flags: ReportFlags) => {
      const price = priceChoice(flags);
      if (flags.embedBaseUrl && !flags.embedModel) throw new Error("--embed-base-url needs --embed-model");
      if (flags.embedModel && !flags.embedBaseUrl) throw new Error("--embed-model needs --embed-base-url");
      const passRateBand = flags.passRateBand === undefined ? undefined : parsePassRateBand(flags.passRateBand, "--pass-rate-band");
      checkWritableFile(flags.out, "--out");
      const log = (m: string) => process.stderr.write(m + "\n");
      const note = requireComplete(runDir, flags.allowIncomplete === true);
      if (note) log(`report: ${note}`);
      // One report at a time per output file; it is written under a temporary name and renamed.
      const lock = await acquireLock(dirname(flags.out), `report-${basename(flags.out)}`, { command: "webscale-rl report", log });
      try {
        await writeReport(runDir, flags, price, passRateBand);
      } finally {
        lock.release();
      }
    });
}

async function writeReport(runDir: string, flags: ReportFlags, price: PriceChoice, passRateBand: PassRateBand | undefined): Promise<void> {
  const summary = await buildReport({
    runDir,
    out: flags.out,
    price,
    compare: flags.compare,
    embed: flags.embedBaseUrl ? { baseUrl: flags.embedBaseUrl, model: flags.embedModel!, apiKey: process.env.OPENAI_API_KEY } : undefined,
    maxMapPoints: positiveInt(flags.maxMapPoints, "--max-map-points"),
    maxTableRows: positiveInt(flags.maxTableRows, "--max-table-rows"),
    seed: Number.isInteger(Number(flags.seed)) ? Number(flags.seed) : 42,
    passRateBand,
  });
  process.stdout.write(
    `wrote ${summary.out} (${(summary.bytes / 1e6).toFixed(1)} MB) in ${summary.seconds.toFixed(1)} s: ` +
      `${summary.accepted} accepted, ${summary.rejected} rejected, ${summary.mapPoints} map points, ${summary.tableRows} table rows; embedding: ${summary.embedding}` +
      (summary.badLines ? `; ${summary.badLines} unreadable lines skipped` : "") +
      "\n",
  );
}
