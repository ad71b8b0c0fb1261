// Placeholder until the export command lands; replaced by its owner.
import type { Command } from "commander";
export function registerExport(program: Command): void {
  program.command("export").description("(not built yet)").action(() => {
    throw new Error("the export command is not built yet");
  });
}
