import { buildBwrapArgs, SANDBOX_GID, SANDBOX_UID, SANDBOX_WORKDIR } from './bwrap-args.ts';
import { commandEnv } from './env.ts';
import { prlimitArgs } from './limits.ts';
import { type RunMode } from './run.ts';
import { detectHostLayout, findExecutable, INSTALL_BWRAP, INSTALL_PRLIMIT, type ToolPaths } from './tools.ts';

/**
 * bwrap under an unprivileged uid. Run by root, bwrap maps the sandbox user to uid 0 outside, and the
 * kernel exempts uid 0 from RLIMIT_NPROC (and it reads root-only files such as anything 0600 that
 * got bound in). So a root worker starts bwrap as nobody: inside and outside the command is 65534,
 * NPROC holds, and files the sandbox writes are owned by nobody.
 */
export function sandboxMode(tools: ToolPaths): RunMode {
  const dropToNobody = process.getuid?.() === 0;
  return {
    sandboxed: true,
    ...(dropToNobody ? { scratchOwner: { uid: SANDBOX_UID, gid: SANDBOX_GID } } : {}),
    async prepare(spec, limits, scratchDir) {
      const bwrap = await findExecutable(tools.bwrapCandidates);
      if (!bwrap) return { ok: false, message: `bubblewrap (bwrap) is not installed. ${INSTALL_BWRAP}` };
      const prlimit = await findExecutable(tools.prlimitCandidates);
      if (!prlimit) return { ok: false, message: `prlimit is not installed. ${INSTALL_PRLIMIT}` };
      const env = commandEnv(spec.env, SANDBOX_WORKDIR);
      if (!env.ok) return env;
      const args = buildBwrapArgs({
        command: spec.command,
        env: env.value,
        network: spec.network,
        limits,
        scratchDir,
        layout: await detectHostLayout(),
        prlimitPath: prlimit,
      });
      return {
        ok: true,
        value: {
          file: bwrap,
          args,
          env: {},
          cwd: scratchDir,
          ...(dropToNobody ? { uid: SANDBOX_UID, gid: SANDBOX_GID } : {}),
        },
      };
    },
  };
}

/** No isolation at all: the command runs as the worker's user, on the host, with limits and a clean env. */
export function directMode(tools: ToolPaths): RunMode {
  return {
    sandboxed: false,
    async prepare(spec, limits, scratchDir) {
      const prlimit = await findExecutable(tools.prlimitCandidates);
      if (!prlimit) return { ok: false, message: `prlimit is not installed. ${INSTALL_PRLIMIT}` };
      const env = commandEnv(spec.env, scratchDir);
      if (!env.ok) return env;
      return {
        ok: true,
        value: {
          file: prlimit,
          args: [...prlimitArgs(limits), '--', ...spec.command],
          env: env.value,
          cwd: scratchDir,
        },
      };
    },
  };
}
