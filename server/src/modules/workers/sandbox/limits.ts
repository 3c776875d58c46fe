import { type SandboxLimits } from './types.ts';

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  memoryBytes: 512 * MiB,
  cpuSeconds: 300,
  fileSizeBytes: 64 * MiB,
  openFiles: 256,
  processes: 128,
  wallClockMs: 10 * 60 * 1000,
  graceMs: 5000,
});

/** Default bytes of stdout+stderr kept per run. */
export const DEFAULT_OUTPUT_CAP_BYTES = 1 * MiB;

/**
 * A process that handles SIGXCPU gets SIGKILL this many CPU seconds later. The hard limit must be above
 * the soft one: with soft == hard the kernel sends SIGKILL straight away, and we could no longer tell a
 * CPU kill from any other SIGKILL.
 */
export const CPU_HARD_EXTRA_SECONDS = 2;

export type Resolved<T> = { ok: true; value: T } | { ok: false; message: string };

export function resolveLimits(partial: Partial<SandboxLimits> | undefined): Resolved<SandboxLimits> {
  const limits: SandboxLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(partial ?? {})) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LIMITS)) return { ok: false, message: `unknown sandbox limit "${key}"` };
    const min = key === 'graceMs' ? 0 : 1;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      return { ok: false, message: `sandbox limit "${key}" must be an integer >= ${min}, got ${String(value)}` };
    }
    limits[key as keyof SandboxLimits] = value;
  }
  return { ok: true, value: limits };
}

export function resolveOutputCap(cap: number | undefined): Resolved<number> {
  if (cap === undefined) return { ok: true, value: DEFAULT_OUTPUT_CAP_BYTES };
  if (!Number.isSafeInteger(cap) || cap < 0) {
    return { ok: false, message: `outputCapBytes must be an integer >= 0, got ${String(cap)}` };
  }
  return { ok: true, value: cap };
}

/**
 * Arguments for util-linux `prlimit`, which sets the limits on itself and then execs the command, so
 * they apply to the command and everything it starts. Run inside the sandbox, RLIMIT_NPROC counts
 * the processes of the sandbox user in the sandbox's own user namespace (Linux >= 5.14 ucounts),
 * not every process of that uid on the machine.
 */
export function prlimitArgs(limits: SandboxLimits): string[] {
  return [
    `--as=${limits.memoryBytes}`,
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + CPU_HARD_EXTRA_SECONDS}`,
    `--fsize=${limits.fileSizeBytes}`,
    `--nofile=${limits.openFiles}`,
    `--nproc=${limits.processes}`,
    // SIGXCPU and SIGXFSZ dump core by default; a core file would land in the scratch directory.
    '--core=0',
  ];
}
