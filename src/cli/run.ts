// Placeholder until the run command lands; replaced by its owner.
import type { Command } from "commander";
export function registerRun(program: Command): void {
  program.command("run").description("(not built yet)").action(() => {
    throw new Error("the run command is not built yet");
  });
}
