/**
 * The `run` command's option definitions, for commands that take the same flags (`queue
 * submit`, `queue work`): read off a scratch copy of `run`, so each flag is defined once.
 */
import { Command, type Option } from "commander";
import { registerRun } from "./run.js";

export function runOptions(filter: (longName: string) => boolean): Option[] {
  const scratch = new Command();
  registerRun(scratch);
  const run = scratch.commands.find((c) => c.name() === "run");
  if (!run) throw new Error("the run command is not registered");
  return run.options.filter((o) => o.long !== undefined && filter(o.long));
}

/** Flags that choose and reach the model: what a queue worker may set for itself. */
export const MODEL_FLAGS = [
  "--config",
  "--model",
  "--base-url",
  "--api-key",
  "--engine",
  "--model-file",
  "--structured",
  "--temperature",
  "--max-tokens",
  "--concurrency",
  "--timeout",
  "--max-retries",
];
