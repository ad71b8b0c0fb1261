// Placeholder until the merge command lands; replaced by its owner.
import type { Command } from "commander";
export function registerMerge(program: Command): void {
  program.command("merge").description("(not built yet)").action(() => {
    throw new Error("the merge command is not built yet");
  });
}
