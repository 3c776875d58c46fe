import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { buildBwrapArgs } from './bwrap-args.ts';
import { checkSandboxWith } from './check.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { checkSandbox, runInSandbox, runUnsandboxed, type SandboxSpec } from './sandbox.ts';
import { SCRATCH_PREFIX } from './scratch.ts';
import { PRLIMIT_CANDIDATES } from './tools.ts';

const MiB = 1024 * 1024;
const hasPython = existsSync('/usr/bin/python3');

function sh(script: string, extra: Partial<SandboxSpec> = {}): SandboxSpec {
  return { command: ['bash', '-c', script], env: {}, network: false, ...extra };
}

function token(): string {
  return randomBytes(8).toString('hex');
}

async function listen(): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, connections: () => count };
}

test('checkSandbox says the sandbox works on this machine', async () => {
  assert.deepEqual(await checkSandbox(), { ok: true });
});

test('checkSandbox explains how to install bubblewrap when it is missing', async () => {
  const check = await checkSandboxWith({
    bwrapCandidates: ['/nonexistent/bwrap'],
    prlimitCandidates: PRLIMIT_CANDIDATES,
  });
  assert.equal(check.ok, false);
  assert.ok(!check.ok && check.howToFix.includes('apt-get install bubblewrap'), JSON.stringify(check));
});

test('checkSandbox refuses a bubblewrap too old for the flags the sandbox uses', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'crony-old-bwrap-'));
  const fake = join(dir, 'bwrap');
  await writeFile(fake, '#!/bin/sh\necho "bubblewrap 0.6.1"\n', { mode: 0o755 });
  try {
    const check = await checkSandboxWith({ bwrapCandidates: [fake], prlimitCandidates: PRLIMIT_CANDIDATES });
    assert.equal(check.ok, false);
    assert.ok(!check.ok && /0\.6\.1 is too old/.test(check.reason), JSON.stringify(check));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a command runs and its stdout, stderr and exit code come back', async () => {
  const result = await runInSandbox(sh('echo hello; echo oops >&2; exit 7'));
  assert.equal(result.stdout, 'hello\n');
  assert.equal(result.stderr, 'oops\n');
  assert.equal(result.exitCode, 7);
  assert.equal(result.signal, null);
  assert.equal(result.ending, 'exited');
  assert.equal(result.truncated, false);
});

test('stdin, when given, reaches the command (a command hook reads its event there); otherwise it is empty', async () => {
  const event = JSON.stringify({ type: 'run.failed', note: 'x'.repeat(200_000) });
  const fed = await runInSandbox(sh('wc -c; exit 0', { stdin: event }));
  assert.equal(fed.stdout.trim(), String(Buffer.byteLength(event)));
  const none = await runInSandbox(sh('wc -c'));
  assert.equal(none.stdout.trim(), '0');
  // A command that never reads its stdin is not disturbed by the unread bytes.
  const ignores = await runInSandbox(sh('echo done', { stdin: event }));
  assert.equal(ignores.stdout, 'done\n');
  assert.equal(ignores.exitCode, 0);
});

test('progress lines are reported in order, clamped, and kept in stdout', async () => {
  const seen: Array<[number, string]> = [];
  const result = await runInSandbox(
    sh(
      'echo "::progress 10 starting"; echo work; echo "::progress 150 too far"; echo "::progress -5"; ' +
        'echo "::progress nope"; echo "::progress 50 half way"',
    ),
    { onProgress: (percent, message) => seen.push([percent, message]) },
  );
  assert.equal(result.exitCode, 0);
  assert.deepEqual(seen, [
    [10, 'starting'],
    [100, 'too far'],
    [0, ''],
    [50, 'half way'],
  ]);
  assert.match(result.stdout, /::progress 10 starting\nwork\n/);
});

test('runs as nobody with no capabilities, no_new_privs and its own pid namespace', async () => {
  const result = await runInSandbox(
    sh('id -u; grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/self/status; ls /proc | grep -c "^[0-9]"'),
  );
  const [uid, capEff, capBnd, noNewPrivs, processes] = result.stdout.trim().split('\n');
  assert.equal(uid, '65534');
  assert.equal(capEff, 'CapEff:\t0000000000000000');
  assert.equal(capBnd, 'CapBnd:\t0000000000000000');
  assert.equal(noNewPrivs, 'NoNewPrivs:\t1');
  // bwrap's init, bash, grep/ls; the worker's processes are invisible.
  assert.ok(Number(processes) <= 5, `saw ${processes} processes`);
});

test('cannot read /etc/shadow', async () => {
  assert.ok(existsSync('/etc/shadow'), 'the host has an /etc/shadow for this test to mean anything');
  const result = await runInSandbox(sh('cat /etc/shadow && echo READ || echo DENIED'));
  assert.equal(result.stdout, 'DENIED\n');
});

test("cannot read a file outside the sandbox, such as the worker's credential file, even by absolute path", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'crony-worker-creds-'));
  const secret = `crony_secret_${token()}`;
  const file = join(dir, 'credentials.json');
  await writeFile(file, secret);
  try {
    const result = await runInSandbox(sh(`cat ${file}; ls ${dir}; echo done`));
    assert.equal(result.stdout, 'done\n');
    assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret));
    assert.match(result.stderr, /No such file or directory/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("cannot see /root, /home or the worker's working directory", async () => {
  const workerCwd = process.cwd();
  const result = await runInSandbox(
    sh(`for p in /root /home ${workerCwd} /etc/ssl/private; do test -e "$p" && echo "visible $p"; done; echo checked`),
  );
  assert.equal(result.stdout, 'checked\n');
});

test('cannot reach a TCP server on loopback when network is false', async () => {
  const { server, port, connections } = await listen();
  try {
    const result = await runInSandbox(sh(`exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected`));
    assert.notEqual(result.exitCode, 0);
    assert.equal(result.stdout, '');
    assert.equal(connections(), 0);
  } finally {
    server.close();
  }
});

test('can reach a TCP server on loopback when network is true', async () => {
  const { server, port, connections } = await listen();
  try {
    const result = await runInSandbox(sh(`exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected`, { network: true }));
    assert.equal(result.stdout, 'connected\n', result.stderr);
    assert.equal(result.exitCode, 0);
    assert.equal(connections(), 1);
  } finally {
    server.close();
  }
});

test('cannot write outside its scratch directory', async () => {
  const name = `crony-probe-${token()}`;
  const targets = [`/usr/${name}`, `/etc/${name}`, `/${name}`, `/tmp/${name}`, `/var/tmp/${name}`];
  const result = await runInSandbox(
    sh(
      `for p in ${targets.join(' ')} ../${name}; do echo x > "$p" 2>/dev/null && echo "wrote $p" || echo "denied $p"; done; ` +
        'echo x > /work/inside && echo wrote-scratch',
    ),
  );
  assert.match(result.stdout, new RegExp(`denied /usr/${name}\n`));
  assert.match(result.stdout, new RegExp(`denied /etc/${name}\n`));
  assert.match(result.stdout, new RegExp(`denied /${name}\n`));
  assert.match(result.stdout, /wrote-scratch\n/);
  // /tmp inside is a private tmpfs: the write succeeds there and never reaches the host.
  for (const target of targets) assert.equal(existsSync(target), false, `${target} exists on the host`);
});

test('sees only the declared environment plus PATH, HOME (and PWD, which bwrap sets on --chdir)', async () => {
  const result = await runInSandbox({
    command: ['env'],
    env: { FOO: 'bar', EMPTY: '', WITH_SPACE: 'a b' },
    network: false,
  });
  assert.deepEqual(result.stdout.trim().split('\n').sort(), [
    'EMPTY=',
    'FOO=bar',
    'HOME=/work',
    'PATH=/usr/local/bin:/usr/bin:/bin',
    'PWD=/work',
    'WITH_SPACE=a b',
  ]);
});

test('a declared PATH or HOME wins over the defaults', async () => {
  const result = await runInSandbox({
    command: ['/usr/bin/env'],
    env: { PATH: '/usr/bin', HOME: '/tmp' },
    network: false,
  });
  assert.deepEqual(result.stdout.trim().split('\n').sort(), ['HOME=/tmp', 'PATH=/usr/bin', 'PWD=/work']);
});

test(
  'an allocation beyond the memory limit fails (RLIMIT_AS stops it before the RSS watch sees it)',
  { skip: !hasPython && 'no /usr/bin/python3' },
  async () => {
    const result = await runInSandbox({
      command: ['python3', '-c', 'a = b"x" * (200 * 1024 * 1024); print("allocated")'],
      env: {},
      network: false,
      limits: { memoryBytes: 64 * MiB },
    });
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /MemoryError/);
    assert.equal(result.exitCode, 1);
    assert.equal(result.ending, 'exited');
  },
);

test(
  'a process tree whose total RSS passes the memory limit is killed with ending "memory"',
  { skip: !hasPython && 'no /usr/bin/python3' },
  async () => {
    // Each process stays under RLIMIT_AS (64 MiB) with ~40 MiB resident; together they pass it.
    const hog = 'import time; a = b"x" * (30 * 1024 * 1024); print("up", flush=True); time.sleep(20)';
    const result = await runInSandbox(
      sh(`for i in 1 2 3; do python3 -c '${hog}' & done; wait`, {
        limits: { memoryBytes: 64 * MiB, wallClockMs: 20_000 },
      }),
    );
    assert.equal(result.ending, 'memory', JSON.stringify(result));
    assert.equal(result.signal, 'SIGKILL');
    assert.ok(result.durationMs < 10_000, `took ${result.durationMs} ms`);
  },
);

test('is killed past its file-size limit with ending "file_size"', async () => {
  const result = await runInSandbox({
    command: ['dd', 'if=/dev/zero', 'of=/work/big', 'bs=1M', 'count=8'],
    env: {},
    network: false,
    limits: { fileSizeBytes: 1 * MiB },
  });
  assert.equal(result.ending, 'file_size');
  assert.equal(result.signal, 'SIGXFSZ');
});

test('is killed past its CPU limit with ending "cpu"', async () => {
  const result = await runInSandbox(sh('while :; do :; done', { limits: { cpuSeconds: 1, wallClockMs: 20_000 } }));
  assert.equal(result.ending, 'cpu');
  assert.equal(result.signal, 'SIGXCPU');
});

test(
  'cannot start more processes than its limit, although the worker runs as root',
  { skip: !hasPython && 'no /usr/bin/python3' },
  async () => {
    const forker = [
      'import os, time',
      'n, err = 0, None',
      'for _ in range(40):',
      '    try:',
      '        pid = os.fork()',
      '    except OSError as e:',
      '        err = e.errno',
      '        break',
      '    if pid == 0:',
      '        time.sleep(5)',
      '        os._exit(0)',
      '    n += 1',
      'print(n, err)',
    ].join('\n');
    const result = await runInSandbox({
      command: ['python3', '-c', forker],
      env: {},
      network: false,
      limits: { processes: 8 },
    });
    const [forked, errno] = result.stdout.trim().split(' ');
    assert.equal(errno, '11', `expected EAGAIN, got ${result.stdout} ${result.stderr}`);
    assert.ok(Number(forked) < 8, `forked ${forked}`);
  },
);

test('cannot open more files than its limit', { skip: !hasPython && 'no /usr/bin/python3' }, async () => {
  const result = await runInSandbox({
    command: ['python3', '-c', 'fs = [open("/dev/null") for _ in range(100)]'],
    env: {},
    network: false,
    limits: { openFiles: 32 },
  });
  assert.match(result.stderr, /Too many open files/);
  assert.equal(result.exitCode, 1);
});

test('is stopped past its wall clock with ending "wall_clock"', async () => {
  const result = await runInSandbox({
    command: ['sleep', '30'],
    env: {},
    network: false,
    limits: { wallClockMs: 1000, graceMs: 1000 },
  });
  assert.equal(result.ending, 'wall_clock');
  assert.equal(result.signal, 'SIGTERM');
  assert.ok(result.durationMs < 15_000, `took ${result.durationMs} ms`);
});

test('a command that ignores SIGTERM is killed after the grace period', async () => {
  const result = await runInSandbox(
    sh('trap "" TERM; sleep 30; echo survived', { limits: { wallClockMs: 500, graceMs: 500 } }),
  );
  assert.equal(result.ending, 'wall_clock');
  assert.equal(result.signal, 'SIGKILL');
  assert.equal(result.stdout, '');
  assert.ok(result.durationMs < 15_000, `took ${result.durationMs} ms`);
});

test('aborting the signal cancels the run', async () => {
  const controller = new AbortController();
  const running = runInSandbox(sh('echo started; sleep 30'), {
    signal: controller.signal,
    onOutput: (_stream, text) => {
      if (text.includes('started')) controller.abort();
    },
  });
  const result = await running;
  assert.equal(result.ending, 'cancelled');
  assert.equal(result.stdout, 'started\n');
  assert.ok(result.durationMs < 15_000, `took ${result.durationMs} ms`);
});

test('an already aborted signal runs nothing', async () => {
  const name = `crony-probe-${token()}`;
  const result = await runInSandbox(sh(`echo ran > /work/${name}`), { signal: AbortSignal.abort() });
  assert.equal(result.ending, 'cancelled');
  assert.equal(result.exitCode, null);
});

test('output larger than the cap is truncated with a marker, and live chunks respect the cap', async () => {
  let live = '';
  const result = await runInSandbox(
    sh("head -c 100000 /dev/zero | tr '\\0' a; echo never-seen >&2", { outputCapBytes: 1000 }),
    { onOutput: (_stream, text) => (live += text) },
  );
  assert.equal(result.exitCode, 0);
  assert.equal(result.truncated, true);
  assert.equal(result.stdout, 'a'.repeat(1000) + '\n…[output truncated at 1000 bytes]\n');
  assert.equal(result.stderr, '');
  assert.equal(live, result.stdout);
});

test('the scratch directory is the working directory and is gone afterwards, also when the command fails', async () => {
  const marker = token();
  const running = runInSandbox(sh(`pwd; echo ${marker} > marker; mkdir -p a/b; chmod 000 a; sleep 0.5; exit 3`));
  let scratch: string | undefined;
  for (let i = 0; i < 100 && !scratch; i++) {
    for (const name of await readdir(tmpdir())) {
      if (name.startsWith(SCRATCH_PREFIX) && existsSync(join(tmpdir(), name, 'marker'))) scratch = join(tmpdir(), name);
    }
    if (!scratch) await sleep(20);
  }
  const result = await running;
  assert.equal(result.stdout, '/work\n');
  assert.equal(result.exitCode, 3);
  assert.ok(scratch, 'found the scratch directory while the command ran');
  assert.equal(existsSync(scratch), false, `${scratch} still exists`);
});

test('a bad request comes back as spawn_error with the reason, not as an exception', async () => {
  const badEnv = await runInSandbox({ command: ['true'], env: { 'BAD=NAME': 'x' }, network: false });
  assert.equal(badEnv.ending, 'spawn_error');
  assert.match(badEnv.stderr, /BAD=NAME/);
  const empty = await runInSandbox({ command: [], env: {}, network: false });
  assert.equal(empty.ending, 'spawn_error');
  const badLimit = await runInSandbox({ command: ['true'], env: {}, network: false, limits: { cpuSeconds: -1 } });
  assert.equal(badLimit.ending, 'spawn_error');
  assert.match(badLimit.stderr, /cpuSeconds/);
});

test('the bwrap argv shares the network only when asked and binds none of the secrets', () => {
  const base = {
    command: ['echo', 'hi'],
    env: { PATH: '/usr/bin', HOME: '/work' },
    limits: DEFAULT_LIMITS,
    scratchDir: '/tmp/crony-sandbox-x',
    layout: { '/bin': { kind: 'symlink' as const, target: 'usr/bin' } },
    prlimitPath: '/usr/bin/prlimit',
  };
  const closed = buildBwrapArgs({ ...base, network: false });
  const open = buildBwrapArgs({ ...base, network: true });
  assert.ok(closed.includes('--unshare-net'));
  assert.ok(!open.includes('--unshare-net'));
  assert.ok(!closed.includes('/etc/resolv.conf') && open.includes('/etc/resolv.conf'));
  for (const flag of ['--unshare-user', '--unshare-pid', '--die-with-parent', '--new-session', '--clearenv']) {
    assert.ok(closed.includes(flag), flag);
  }
  for (const secret of ['/etc', '/etc/shadow', '/root', '/home', '/etc/ssl/private', '/var']) {
    assert.ok(!closed.includes(secret) && !open.includes(secret), secret);
  }
  assert.deepEqual(closed.slice(closed.lastIndexOf('--') + 1), ['echo', 'hi']);
});

test('runUnsandboxed still clears the environment and applies limits and the wall clock', async () => {
  const env = await runUnsandboxed({ command: ['env'], env: { FOO: 'bar' }, network: false });
  const lines = env.stdout.trim().split('\n').sort();
  assert.equal(lines.length, 3, env.stdout);
  assert.equal(lines[0], 'FOO=bar');
  assert.match(lines[1] ?? '', new RegExp(`^HOME=${tmpdir()}/${SCRATCH_PREFIX}`));
  assert.equal(lines[2], 'PATH=/usr/local/bin:/usr/bin:/bin');

  const big = await runUnsandboxed({
    command: ['dd', 'if=/dev/zero', 'of=big', 'bs=1M', 'count=8'],
    env: {},
    network: false,
    limits: { fileSizeBytes: 1 * MiB },
  });
  assert.equal(big.ending, 'file_size');

  const slow = await runUnsandboxed({
    command: ['sleep', '30'],
    env: {},
    network: false,
    limits: { wallClockMs: 500, graceMs: 500 },
  });
  assert.equal(slow.ending, 'wall_clock');
  assert.ok(slow.durationMs < 15_000);
});
