// Placeholder until the reward command lands; replaced by its owner.
import type { Command } from "commander";
export function registerReward(program: Command): void {
  program.command("reward").description("(not built yet)").action(() => {
    throw new Error("the reward command is not built yet");
  });
}
