export interface SandboxLimits {
  /** Address-space / memory cap in bytes (default 512 MiB). */
  memoryBytes: number;
  /** CPU seconds (default 300). */
  cpuSeconds: number;
  /** Largest file the command may write, bytes (default 64 MiB). */
  fileSizeBytes: number;
  /** Open files (default 256). */
  openFiles: number;
  /** Processes/threads (default 128). */
  processes: number;
  /** Wall clock in ms, enforced from outside: SIGTERM, then SIGKILL after graceMs (default 600 000 = 10 min). */
  wallClockMs: number;
  /** Ms between SIGTERM and SIGKILL when stopping a command (default 5000). */
  graceMs: number;
}

export interface SandboxSpec {
  /** argv; `command[0]` is looked up on PATH=/usr/local/bin:/usr/bin:/bin unless absolute. */
  command: string[];
  /** The only environment the command sees (plus PATH and HOME when not declared). */
  env: Record<string, string>;
  /** Share the worker's network (including its loopback). False: a private network namespace with only `lo`. */
  network: boolean;
  limits?: Partial<SandboxLimits>;
  /** Written to the command's stdin, then closed; absent: stdin is /dev/null. */
  stdin?: string;
  /** bytes of stdout+stderr kept (default 1 MiB), with a truncation marker */
  outputCapBytes?: number;
}

export interface SandboxHooks {
  /** From stdout lines `::progress <0-100> [message]`; the percent is clamped to 0–100. */
  onProgress?(percent: number, message: string): void;
  /** Live chunks (already capped), for log tailing. */
  onOutput?(stream: 'stdout' | 'stderr', text: string): void;
  /** abort = cancel: SIGTERM, then SIGKILL after grace */
  signal?: AbortSignal;
}

export type SandboxEnding = 'exited' | 'wall_clock' | 'cancelled' | 'memory' | 'cpu' | 'file_size' | 'spawn_error';

export interface SandboxResult {
  /** Exit code of the command; null when the process we started was killed by a signal. */
  exitCode: number | null;
  /**
   * Signal that ended the command, or null. Inside the sandbox bwrap reports "killed by signal N" as
   * exit code 128+N (shell convention), so an exit code above 128 is also reported as that signal.
   */
  signal: string | null;
  /** why it ended */
  ending: SandboxEnding;
  stdout: string;
  stderr: string;
  truncated: boolean;
  durationMs: number;
}

export type SandboxCheck = { ok: true } | { ok: false; reason: string; howToFix: string };
