import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Children still alive, killed if the harness exits without stopping them. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export interface Child {
  proc: ChildProcess;
  /** The last lines it printed (stdout and stderr), for error messages. */
  tail(): string[];
  /** Resolves with each full stdout line. */
  onLine(fn: (line: string) => void): void;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export function startChild(command: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  const lines: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  for (const stream of [proc.stdout, proc.stderr]) {
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        if (!line.trim()) continue;
        lines.push(line.slice(0, 2000));
        if (lines.length > 30) lines.shift();
        if (stream === proc.stdout) for (const fn of listeners) fn(line);
      }
    });
  }
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => {
      live.delete(proc);
      resolve(code);
    });
    proc.once('error', () => {
      live.delete(proc);
      resolve(null);
    });
  });
  return {
    proc,
    tail: () => [...lines],
    onLine: (fn) => listeners.push(fn),
    exited,
    stop: async (graceMs = 10_000) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The environment of a child: the harness's own minus anything that would point it elsewhere. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('CRONY_') && !k.startsWith('NODE_TEST') && k !== 'MONGODB_URI') env[k] = v;
  }
  return { ...env, ...extra } as NodeJS.ProcessEnv;
}

/** User + system CPU seconds of a live process (Linux /proc; 0 elsewhere). */
export function cpuSecondsOf(pid: number | undefined, opts: { children?: boolean } = {}): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime; with `children`, also cutime and cstime: the CPU of the children it has
    // waited for (a worker's sandboxes).
    const own = Number(fields[11]) + Number(fields[12]);
    return (own + (opts.children ? Number(fields[13]) + Number(fields[14]) : 0)) / 100;
  } catch {
    return 0;
  }
}
