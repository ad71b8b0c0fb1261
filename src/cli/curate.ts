// Placeholder until the curate command lands; replaced by its owner.
import type { Command } from "commander";
export function registerCurate(program: Command): void {
  program.command("curate").description("(not built yet)").action(() => {
    throw new Error("the curate command is not built yet");
  });
}
