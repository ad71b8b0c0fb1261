#!/usr/bin/env node
/**
 * The `webscale-rl` command: one module per subcommand, each registering itself on the program.
 * Only the subcommand named on the command line is loaded (all of them for the top-level help):
 * each pulls in its own libraries, and loading every one made even `--help` take over a second.
 */
import { Command } from "commander";
import { VERSION } from "../version.js";
import { asOutputError, OutputError } from "../io/io-error.js";
import { redactUrlsIn } from "../config/redact.js";

const program = new Command()
  .name("webscale-rl")
  .description("Turn pretraining corpora into verifiable question-answer pairs for RL (the Webscale-RL method).")
  .version(VERSION)
  .showHelpAfterError("(run with --help for usage)");

type Register = (program: Command) => void;

/** Every subcommand, in the order the top-level help lists them. */
const SUBCOMMANDS: Record<string, () => Promise<Register>> = {
  run: async () => (await import("./run.js")).registerRun,
  estimate: async () => (await import("./estimate.js")).registerEstimate,
  curate: async () => (await import("./curate.js")).registerCurate,
  export: async () => (await import("./export.js")).registerExport,
  report: async () => (await import("./report.js")).registerReport,
  reward: async () => (await import("./reward.js")).registerReward,
  rollout: async () => (await import("./rollout.js")).registerRollout,
  queue: async () => (await import("./queue.js")).registerQueue,
  merge: async () => (await import("./merge.js")).registerMerge,
  review: async () => (await import("./review.js")).registerReview,
  cache: async () => (await import("./cache.js")).registerCache,
};

async function main(): Promise<void> {
  const named = process.argv[2];
  const needed = named !== undefined && Object.hasOwn(SUBCOMMANDS, named) ? [named] : Object.keys(SUBCOMMANDS);
  for (const name of needed) (await SUBCOMMANDS[name]())(program);
  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  // Configuration, usage, server and disk errors end here: one clear line, no stack trace.
  // WEBSCALE_RL_DEBUG=1 shows the whole error (stack included), for bug reports.
  if (process.env.WEBSCALE_RL_DEBUG) console.error(err);
  const described = asOutputError(err);
  const message = described instanceof Error ? described.message : String(described);
  process.stderr.write(`webscale-rl: ${redactUrlsIn(message)}\n`);
  const code = (described as { exitCode?: unknown }).exitCode;
  process.exitCode = typeof code === "number" ? code : described instanceof OutputError ? 1 : process.exitCode && process.exitCode !== 0 ? process.exitCode : 2;
  // Nothing is left to do: a socket or timer still open must not keep a failed command waiting.
  setTimeout(() => process.exit(), 2000).unref();
});