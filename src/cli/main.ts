#!/usr/bin/env node
/** The `webscale-rl` command: one module per subcommand, each registering itself on the program. */
import { Command } from "commander";
import { registerRun } from "./run.js";
import { registerCurate } from "./curate.js";
import { registerExport } from "./export.js";
import { registerReport } from "./report.js";
import { registerReward } from "./reward.js";
import { registerQueue } from "./queue.js";
import { registerMerge } from "./merge.js";
import { registerCache } from "./cache.js";
import { registerReview } from "./review.js";
import { registerRollout } from "./rollout.js";
import { registerEstimate } from "./estimate.js";
import { VERSION } from "../version.js";
import { asOutputError, OutputError } from "../io/io-error.js";
import { redactUrlsIn } from "../config/redact.js";

const program = new Command()
  .name("webscale-rl")
  .description("Turn pretraining corpora into verifiable question-answer pairs for RL (the Webscale-RL method).")
  .version(VERSION)
  .showHelpAfterError("(run with --help for usage)");

for (const register of [registerRun, registerEstimate, registerCurate, registerExport, registerReport, registerReward, registerRollout, registerQueue, registerMerge, registerReview, registerCache]) {
  register(program);
}

program.parseAsync(process.argv).catch((err: unknown) => {
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