/**
 * Runs one command of a tenant's task on a worker, inside bubblewrap: new user/pid/ipc/uts/cgroup (and,
 * unless the task asks for it, network) namespaces, a read-only view of the system, a private scratch
 * directory at /work, a cleared environment, rlimits set by prlimit inside the sandbox, an RSS watch
 * and a wall clock enforced from outside. See README.md in this folder for what each limit does.
 */
import { checkSandboxWith } from './check.ts';
import { directMode, sandboxMode } from './modes.ts';
import { runCommand } from './run.ts';
import { DEFAULT_TOOLS } from './tools.ts';
import { type SandboxCheck, type SandboxHooks, type SandboxResult, type SandboxSpec } from './types.ts';

export type { SandboxCheck, SandboxEnding, SandboxHooks, SandboxLimits, SandboxResult, SandboxSpec } from './types.ts';
export { DEFAULT_LIMITS, DEFAULT_OUTPUT_CAP_BYTES } from './limits.ts';

/** bwrap present and works (runs `true` in the same sandbox a task gets). */
export async function checkSandbox(): Promise<SandboxCheck> {
  return checkSandboxWith(DEFAULT_TOOLS);
}

/** Never rejects: problems starting the command come back as `ending: 'spawn_error'` with the reason in stderr. */
export function runInSandbox(spec: SandboxSpec, hooks: SandboxHooks = {}): Promise<SandboxResult> {
  return runCommand(spec, hooks, sandboxMode(DEFAULT_TOOLS));
}

/** Only with the worker's explicit --insecure-no-sandbox: same interface, no isolation (still env cleared, limits and wall clock). */
export function runUnsandboxed(spec: SandboxSpec, hooks: SandboxHooks = {}): Promise<SandboxResult> {
  return runCommand(spec, hooks, directMode(DEFAULT_TOOLS));
}
