import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat; 100 on every mainstream Linux architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  cpuSeconds: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself contain spaces and parentheses.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (!Number.isFinite(ppid) || !Number.isFinite(ticks)) return null;
    return { ppid, cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND };
  } catch {
    return null; // gone meanwhile, or not a process
  }
}

function readRssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface TreeUsage {
  /** Descendants of the root, root excluded, parents before children. */
  descendants: number[];
  /** Sum of VmRSS over the root and its descendants (pages shared between them count more than once). */
  rssBytes: number;
  /** Largest CPU time of any single process of the tree (RLIMIT_CPU is per process). */
  maxCpuSeconds: number;
}

/**
 * One pass over /proc. Synchronous on purpose: procfs reads never block on a disk, and a hundred small
 * sync reads cost well under a millisecond where the promise versions cost ~15x more CPU per poll.
 * /proc/<pid>/task/<tid>/children would be cheaper still but needs CONFIG_PROC_CHILDREN, which many
 * kernels (this one included) lack.
 */
export function treeUsage(rootPid: number): TreeUsage {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return { descendants: [], rssBytes: 0, maxCpuSeconds: 0 };
  }
  const children = new Map<number, number[]>();
  const stats = new Map<number, ProcStat>();
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const stat = readStat(pid);
    if (!stat) continue;
    stats.set(pid, stat);
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(pid);
    else children.set(stat.ppid, [pid]);
  }
  const descendants: number[] = [];
  const queue = [rootPid];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      descendants.push(child);
      queue.push(child);
    }
  }
  const tree = [rootPid, ...descendants];
  return {
    descendants,
    rssBytes: tree.reduce((sum, pid) => sum + readRssBytes(pid), 0),
    maxCpuSeconds: Math.max(0, ...tree.map((pid) => stats.get(pid)?.cpuSeconds ?? 0)),
  };
}
/** Send a signal, ignoring processes that are already gone. */
export function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: already exited.
  }
}
