/**
 * `webscale-rl estimate`: what a `run` on these inputs with these flags would cost, before
 * it runs. It takes the run's own flags (the same definitions, run-options.ts), so swapping
 * `run` for `estimate` in a command line works; it calls no model and writes nothing.
 */
import { Command } from "commander";
import { ConfigError, NoServerError, resolveRunConfig } from "../config/load.js";
import { parseModelPrice, type Budget } from "../pipeline/budget.js";
import { RemoteIO } from "../io/remote/remote-io.js";
import { expandInputSpecs } from "../io/sources/index.js";
import { runOptions } from "./run-options.js";
import { flagsToLayer, preflight, type RunFlags } from "./run.js";
import { countDocuments } from "../estimate/document-count.js";
import { funnelLike, paperFunnel } from "../estimate/funnel.js";
import { takeSample } from "../estimate/sample.js";
import { project } from "../estimate/project.js";
import { formatProjection } from "../estimate/format.js";

/** Source documents taken through the stages when --sample is not given. */
export const DEFAULT_SAMPLE = 200;

interface EstimateFlags extends Omit<RunFlags, "out"> {
  out?: string;
  sample?: number;
  like?: string;
  json?: boolean;
}

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`--sample takes a whole number of documents, at least 1 (got "${v}")`);
  return n;
};

/** Never contacted: it only lets a model named without a server (`--model gpt-4.1`) resolve as run would with one. */
const UNCONTACTED_SERVER = "http://model-server.invalid/v1";

/**
 * The run's configuration for these flags, as `run` resolves it. `out` is required there and
 * never written here. A model named without a server is estimated anyway: the estimate needs
 * its name (for the price), not the server.
 */
function resolveEstimateConfig(inputs: string[], flags: EstimateFlags, log: (m: string) => void) {
  const layer = flagsToLayer(inputs, { ...flags, out: flags.out ?? "(estimate)" });
  try {
    return resolveRunConfig(layer, { configFile: flags.config });
  } catch (err) {
    if (!(err instanceof NoServerError)) throw err;
    log("No model server given: estimating anyway (estimate contacts none; run will need --base-url, OPENAI_BASE_URL or OPENAI_API_KEY).");
    const llm = (layer.llm ?? {}) as Record<string, unknown>;
    return resolveRunConfig({ ...layer, llm: { ...llm, defaults: { ...(llm.defaults as object), baseUrl: [UNCONTACTED_SERVER] } } }, { configFile: flags.config });
  }
}

export function registerEstimate(program: Command): void {
  const cmd = program
    .command("estimate")
    .description("Project a run's requests, tokens and cost from a sample of its inputs, before running it: no model is called and nothing is written.")
    .argument("<inputs...>", "the inputs `run` would get (files, globs, folders, hf://, s3://, https://)")
    .option("--sample <n>", `source documents to read and build the prompts of (default ${DEFAULT_SAMPLE}); the rest is scaled from them`, positiveInt)
    .option("--like <dir>", "take the pass rates, retries and reply sizes from a previous run's stats.json (its --out folder) instead of the paper's funnel")
    .option("--json", "print the projection as one JSON object")
    .option("-o, --out <dir>", "ignored (estimate writes nothing); accepted so that a run's command line works unchanged");
  // Every flag of `run` but --out, defined once there: a run command line estimates as it is.
  for (const o of runOptions((l) => l !== "--out")) cmd.addOption(o);
  cmd.addHelpText(
    "after",
    `
What it does: reads the first --sample documents as run reads them (prefilter, windows, --max-windows,
--shard, --limit), builds every request the chosen plan would send for them, counts or extrapolates
the documents of all inputs, and scales by the pass rates of each stage: the paper's funnel
(about 1.2 pairs per document) or, with --like DIR, those a previous run measured.
Models and prices per stage as run resolves them (config file, --model, --price MODEL=IN/OUT);
a model without a price has an unknown cost. The model server is never contacted.
The flags of run that only matter while running (--concurrency, --timeout, --max-retries, --rpm,
--cache, --progress, --force, --no-server-check, --part-records, curation) are accepted and change
nothing; --max-cost says how far the budget would go.
Examples:
  webscale-rl estimate corpus/ --model gpt-4.1-mini
  webscale-rl estimate 'shards/*.jsonl.gz' --config wsrl.yaml --plan efficient --json
  webscale-rl estimate corpus/ --base-url http://gpu:8000/v1 --model my-model --price my-model=0.2/0.8 --like runs/pilot
See docs/cost.md.`,
  );
  cmd.action(async (inputs: string[], flags: EstimateFlags) => {
    const log = (m: string) => process.stderr.write(m + "\n");
    if (flags.out !== undefined) log(`estimate writes nothing: --out ${flags.out} is ignored.`);
    const { config, localDefaults } = resolveEstimateConfig(inputs, flags, log);
    const budget: Budget = { prices: Object.fromEntries((flags.price ?? []).map(parseModelPrice)) };
    await preflight(config, { checkOut: false });
    const funnel = flags.like !== undefined ? funnelLike(flags.like) : paperFunnel(config.personas);
    if (localDefaults) log(localDefaults);
    const io = new RemoteIO({ policy: { retries: config.io.retries, backoffMs: config.io.backoffMs, timeoutMs: config.io.timeoutMs }, pieceBytes: config.io.pieceBytes });
    try {
      const specs = await expandInputSpecs(config.inputs, io);
      const counts = await countDocuments(specs, io);
      const sample = await takeSample(specs, config, flags.sample ?? DEFAULT_SAMPLE, io);
      const projection = project(config, counts, sample, funnel, budget);
      process.stdout.write((flags.json ? JSON.stringify(projection, null, 2) : formatProjection(projection, { maxCost: flags.maxCost })) + "\n");
    } finally {
      io.close();
    }
  });
}
