import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolveLimits, resolveOutputCap, type Resolved } from './limits.ts';
import { CappedOutput } from './output.ts';
import { LineSplitter, parseProgressLine } from './progress.ts';
import { signalQuietly, treeUsage } from './proc-tree.ts';
import { createScratch, removeScratch } from './scratch.ts';
import {
  type SandboxEnding,
  type SandboxHooks,
  type SandboxLimits,
  type SandboxResult,
  type SandboxSpec,
} from './types.ts';

/** How often the process tree's memory is sampled from /proc. */
export const MEMORY_POLL_MS = 100;
/** After the command exited, how long to wait for its output pipes to drain. */
const DRAIN_MS = 2000;

export interface Launch {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Drop to this user before exec (only a root worker can). */
  uid?: number;
  gid?: number;
}

export interface RunMode {
  /**
   * Sandboxed: the process we spawn is bwrap, which relays the command's end as an exit code and whose
   * own death takes the whole sandbox with it. Direct: the process we spawn (prlimit, which execs) is
   * the command.
   */
  sandboxed: boolean;
  /** Owner for the scratch directory, when the command runs as another user. */
  scratchOwner?: { uid: number; gid: number };
  prepare(spec: SandboxSpec, limits: SandboxLimits, scratchDir: string): Promise<Resolved<Launch>>;
}

type KillReason = 'memory' | 'wall_clock' | 'cancelled';

export async function runCommand(spec: SandboxSpec, hooks: SandboxHooks, mode: RunMode): Promise<SandboxResult> {
  const started = performance.now();
  const early = (ending: SandboxEnding, stderr: string): SandboxResult => ({
    exitCode: null,
    signal: null,
    ending,
    stdout: '',
    stderr,
    truncated: false,
    durationMs: Math.round(performance.now() - started),
  });
  const command: unknown = spec.command;
  if (
    !Array.isArray(command) ||
    command.length === 0 ||
    !command.every((arg) => typeof arg === 'string' && !arg.includes('\0')) ||
    command[0] === ''
  ) {
    return early('spawn_error', 'command must be a non-empty array of strings without NUL bytes');
  }
  const limits = resolveLimits(spec.limits);
  if (!limits.ok) return early('spawn_error', limits.message);
  const cap = resolveOutputCap(spec.outputCapBytes);
  if (!cap.ok) return early('spawn_error', cap.message);
  if (hooks.signal?.aborted) return early('cancelled', '');

  let scratchDir: string;
  try {
    scratchDir = await createScratch(mode.scratchOwner);
  } catch (error) {
    return early('spawn_error', `could not create the scratch directory: ${describe(error)}`);
  }
  try {
    const launch = await mode.prepare(spec, limits.value, scratchDir);
    if (!launch.ok) return early('spawn_error', launch.message);
    return await supervise(launch.value, limits.value, cap.value, hooks, mode.sandboxed, started, spec.stdin);
  } finally {
    await removeScratch(scratchDir);
  }
}

function supervise(
  launch: Launch,
  limits: SandboxLimits,
  capBytes: number,
  hooks: SandboxHooks,
  sandboxed: boolean,
  started: number,
  stdin?: string,
): Promise<SandboxResult> {
  return new Promise<SandboxResult>((resolve) => {
    const output = new CappedOutput(capBytes, hooks.onOutput);
    const progress = new LineSplitter((line) => {
      const parsed = parseProgressLine(line);
      if (!parsed || !hooks.onProgress) return;
      try {
        hooks.onProgress(parsed.percent, parsed.message);
      } catch {
        // A failing progress hook must not break the run.
      }
    });
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, fn: () => void) => timers.add(setTimeout(fn, ms));
    let reason: KillReason | null = null;
    let maxCpuSeconds = 0;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let spawnError: unknown = null;
    let done = false;
    let child: ChildProcess;

    const finish = () => {
      if (done) return;
      done = true;
      for (const timer of timers) clearTimeout(timer);
      clearInterval(poller);
      hooks.signal?.removeEventListener('abort', onAbort);
      progress.end();
      const { stdout, stderr, truncated } = output.finish();
      const durationMs = Math.round(performance.now() - started);
      if (spawnError !== null || !exit) {
        const message = `could not start ${launch.file}: ${describe(spawnError)}`;
        resolve({
          exitCode: null,
          signal: null,
          ending: 'spawn_error',
          stdout,
          stderr: stderr + message,
          truncated,
          durationMs,
        });
        return;
      }
      const signal = exit.signal ?? signalFromExitCode(exit.code);
      resolve({
        exitCode: exit.code,
        signal,
        ending: endingOf(reason, signal, maxCpuSeconds, limits),
        stdout,
        stderr,
        truncated,
        durationMs,
      });
    };

    try {
      child = spawn(launch.file, launch.args, {
        cwd: launch.cwd,
        // A fresh object of exactly these variables; the cast only drops the ambient NODE_ENV typing some
        // package in the workspace adds to ProcessEnv.
        env: launch.env as NodeJS.ProcessEnv,
        stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        // Own process group (and session), so the whole group can be signalled without touching the worker.
        detached: true,
        ...(launch.uid === undefined ? {} : { uid: launch.uid }),
        ...(launch.gid === undefined ? {} : { gid: launch.gid }),
      });
    } catch (error) {
      // Synchronous failures (invalid arguments); nothing is running and no timer or listener exists yet.
      resolve({
        exitCode: null,
        signal: null,
        ending: 'spawn_error',
        stdout: '',
        stderr: `could not start ${launch.file}: ${describe(error)}`,
        truncated: false,
        durationMs: Math.round(performance.now() - started),
      });
      return;
    }

    const pid = child.pid;
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push('stdout', chunk);
      progress.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => output.push('stderr', chunk));
    if (child.stdin) {
      // A command that exits without reading its stdin closes the pipe under us (EPIPE): not an error of the run.
      child.stdin.on('error', () => {});
      child.stdin.end(stdin);
    }

    /** SIGKILL the process group and every descendant, including ones that started their own session. */
    // Once the child has exited and been reaped its pid may be reused (pid_max is often 32768), so
    // nothing signals by that pid any more: a late kill would land on an unrelated process.
    const killEverything = () => {
      if (pid === undefined || exit) return;
      const { descendants } = treeUsage(pid);
      signalQuietly(-pid, 'SIGKILL');
      signalQuietly(pid, 'SIGKILL');
      for (const descendant of descendants) signalQuietly(descendant, 'SIGKILL');
    };

    /**
     * SIGTERM the command's processes. In the sandbox that means bwrap's descendants but not bwrap itself:
     * bwrap does not forward signals, and its death would SIGKILL the sandbox with no grace at all. The
     * sandbox's pid 1 ignores it (init of a pid namespace only gets signals it handles).
     */
    const terminate = () => {
      if (pid === undefined || exit) return;
      const { descendants } = treeUsage(pid);
      if (!sandboxed) signalQuietly(-pid, 'SIGTERM');
      for (const descendant of descendants) signalQuietly(descendant, 'SIGTERM');
    };

    const stop = (why: KillReason, graceful: boolean) => {
      if (reason || exit || done) return; // see killEverything: never signal a reaped pid
      reason = why;
      if (graceful) {
        terminate();
        later(limits.graceMs, killEverything);
      } else {
        killEverything();
      }
    };

    const poller = setInterval(() => {
      if (pid === undefined || exit) return;
      const usage = treeUsage(pid);
      maxCpuSeconds = Math.max(maxCpuSeconds, usage.maxCpuSeconds);
      if (usage.rssBytes > limits.memoryBytes) stop('memory', false);
    }, MEMORY_POLL_MS);

    later(limits.wallClockMs, () => stop('wall_clock', true));
    function onAbort() {
      stop('cancelled', true);
    }
    hooks.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (error) => {
      // Only spawn failures land here (ENOENT, EACCES); kill errors are handled where they happen.
      if (pid !== undefined) return;
      spawnError = error;
      finish();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      clearInterval(poller);
      // Pending wall-clock and grace-kill timers would signal a pid that may now be someone else's.
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      // A sandbox ends with bwrap (its pid namespace dies with it); a direct command may leave background
      // processes holding our pipes open, which would also outlive the run.
      if (!sandboxed && pid !== undefined) signalQuietly(-pid, 'SIGKILL');
      later(DRAIN_MS, () => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      });
    });
    child.on('close', finish);
  });
}

function endingOf(
  reason: KillReason | null,
  signal: string | null,
  maxCpuSeconds: number,
  limits: SandboxLimits,
): SandboxEnding {
  if (reason) return reason;
  if (signal === 'SIGXCPU') return 'cpu';
  if (signal === 'SIGXFSZ') return 'file_size';
  // A process that handles SIGXCPU is SIGKILLed by the kernel at the hard limit.
  if (signal === 'SIGKILL' && maxCpuSeconds >= limits.cpuSeconds) return 'cpu';
  return 'exited';
}

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(osConstants.signals).map(([name, number]) => [number, name] as [number, string]),
);

/** bwrap and shells report "killed by signal N" as exit code 128+N. */
export function signalFromExitCode(code: number | null): string | null {
  if (code === null || code <= 128) return null;
  return SIGNAL_NAMES.get(code - 128) ?? null;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
