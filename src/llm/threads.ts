/**
 * How many CPU threads llama.cpp gets. Its worker threads meet at a barrier after every
 * operation of the graph (hundreds per token) and spin while they wait there, so one thread
 * that has to wait for a core holds up all the others. On a machine whose cores are busy with
 * other work, two threads decoded the same tiny model 60 times slower than one (190 ms against
 * 3 ms a token, 2 cores at load 15; docs/local-engine.md). So the default is the number of
 * cores that other work leaves idle, never fewer than one.
 */

export interface ThreadPlan {
  threads: number;
  /** Why this number, for the engine's start line. */
  why: string;
}

export interface ThreadInputs {
  /** Cores useful for math (llama.cpp's own count). */
  cores: number;
  /** The 1-minute load average: runnable threads of all the machine's work, before ours starts. */
  load: number;
  /** `$WEBSCALE_RL_THREADS`, when set. */
  env?: string;
}

export function planThreads({ cores, load, env }: ThreadInputs): ThreadPlan {
  const given = Number(env);
  if (env !== undefined && env !== "" && Number.isInteger(given) && given > 0) return { threads: given, why: "WEBSCALE_RL_THREADS" };
  const all = Math.max(1, Math.floor(cores));
  // A load of 0.3 on a 2-core laptop is a browser tab, not a busy core: round, do not floor.
  const idle = Math.round(all - Math.max(0, load));
  const threads = Math.max(1, Math.min(all, idle));
  if (threads === all) return { threads, why: `${all} core(s), idle` };
  return { threads, why: `${all} core(s) at load ${load.toFixed(1)}: ${threads === 1 ? "one thread, as no core is free" : `the ${threads} free`}; WEBSCALE_RL_THREADS overrides` };
}
