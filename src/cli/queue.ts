// Placeholder until the queue command lands; replaced by its owner.
import type { Command } from "commander";
export function registerQueue(program: Command): void {
  program.command("queue").description("(not built yet)").action(() => {
    throw new Error("the queue command is not built yet");
  });
}
