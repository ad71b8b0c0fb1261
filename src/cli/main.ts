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
import { registerRollout } from "./rollout.js";
import { VERSION } from "../version.js";

const program = new Command()
  .name("webscale-rl")
  .description("Turn pretraining corpora into verifiable question-answer pairs for RL (the Webscale-RL method).")
  .version(VERSION)
  .showHelpAfterError("(run with --help for usage)");

for (const register of [registerRun, registerCurate, registerExport, registerReport, registerReward, registerRollout, registerQueue, registerMerge]) {
  register(program);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  // Configuration and usage errors end here: one clear line, no stack trace.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`webscale-rl: ${message}\n`);
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 2;
});
