import { prlimitArgs } from './limits.ts';
import { type SandboxLimits } from './types.ts';

/** Where the scratch directory appears inside the sandbox; also the command's cwd and default HOME. */
export const SANDBOX_WORKDIR = '/work';
/** The unprivileged user (nobody) the command runs as, inside the sandbox and, for a root worker, outside. */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;

/** Top-level system entries a dynamically linked program may need; each is a symlink (merged /usr) or a directory. */
export const SYSTEM_ROOTS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'] as const;

/**
 * The /etc entries programs need: the dynamic linker cache, alternatives symlinks, CA certificates,
 * user/group names, NSS config and the time zone. Deliberately not /etc as a whole (shadow, ssh host
 * keys, /etc/ssl/private, the worker's config).
 */
export const ETC_ENTRIES = [
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/alternatives',
  '/etc/ssl/certs',
  '/etc/ssl/openssl.cnf',
  '/etc/ca-certificates',
  '/etc/ca-certificates.conf',
  '/etc/passwd',
  '/etc/group',
  '/etc/nsswitch.conf',
  '/etc/localtime',
] as const;

/** Name resolution, only when the task asked for the network. */
export const NETWORK_ETC_ENTRIES = [
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/host.conf',
  '/etc/gai.conf',
  '/etc/services',
  '/etc/protocols',
] as const;

/** What each of SYSTEM_ROOTS is on the host (absent ones are left out). */
export type HostLayout = Partial<Record<string, { kind: 'symlink'; target: string } | { kind: 'dir' }>>;

export interface BwrapArgsInput {
  command: readonly string[];
  /** Final environment (already including PATH and HOME). */
  env: Readonly<Record<string, string>>;
  network: boolean;
  limits: SandboxLimits;
  /** Host path of the private scratch directory. */
  scratchDir: string;
  layout: HostLayout;
  /** Path of util-linux prlimit; must lie under /usr or one of SYSTEM_ROOTS so it exists inside. */
  prlimitPath: string;
}

/**
 * The bwrap argv (without the bwrap executable itself). Pure, so the policy can be read and tested in
 * one place.
 */
export function buildBwrapArgs(input: BwrapArgsInput): string[] {
  const { limits } = input;
  const args: string[] = [
    // New user, pid, ipc, uts and cgroup namespaces; a new network namespace (only `lo`) unless asked.
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup',
    ...(input.network ? [] : ['--unshare-net']),
    // No nested user namespaces: they are the usual door to kernel bugs reachable by unprivileged code.
    '--disable-userns',
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_GID),
    '--hostname',
    'crony-sandbox',
    // If the worker dies the sandbox dies with it; a new session stops TIOCSTI injection into a terminal.
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--ro-bind',
    '/usr',
    '/usr',
  ];
  for (const root of SYSTEM_ROOTS) {
    const entry = input.layout[root];
    if (entry?.kind === 'symlink') args.push('--symlink', entry.target, root);
    else if (entry?.kind === 'dir') args.push('--ro-bind', root, root);
  }
  for (const path of [...ETC_ENTRIES, ...(input.network ? NETWORK_ETC_ENTRIES : [])]) {
    args.push('--ro-bind-try', path, path);
  }
  // tmpfs is RAM that does not show in any process's RSS, so it gets a size bound too.
  const tmpBytes = Math.max(1024 * 1024, Math.floor(limits.memoryBytes / 2));
  const shmBytes = Math.max(1024 * 1024, Math.floor(limits.memoryBytes / 4));
  args.push(
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(shmBytes),
    '--tmpfs',
    '/dev/shm',
    '--size',
    String(tmpBytes),
    '--tmpfs',
    '/tmp',
    '--bind',
    input.scratchDir,
    SANDBOX_WORKDIR,
    '--chdir',
    SANDBOX_WORKDIR,
    // bwrap's own root and /dev are writable tmpfs by default; nothing but /work, /tmp and /dev/shm should be.
    '--remount-ro',
    '/dev',
    '--remount-ro',
    '/',
    // bwrap sets PWD=/work itself after --chdir; everything else comes from input.env.
    '--clearenv',
  );
  for (const [name, value] of Object.entries(input.env)) args.push('--setenv', name, value);
  args.push('--', input.prlimitPath, ...prlimitArgs(limits), '--', ...input.command);
  return args;
}
