// Placeholder until the report command lands; replaced by its owner.
import type { Command } from "commander";
export function registerReport(program: Command): void {
  program.command("report").description("(not built yet)").action(() => {
    throw new Error("the report command is not built yet");
  });
}
