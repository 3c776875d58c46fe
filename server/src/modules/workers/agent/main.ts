import { parseAgentArgs } from './args.ts';
import { ApiRefusal, WorkerClient } from './client.ts';
import { credentialPath, loadCredential, saveCredential } from './credentials.ts';
import { WorkerAgent } from './agent.ts';
import { checkSandbox, runInSandbox, runUnsandboxed } from '../sandbox/sandbox.ts';

const VERSION = '0.1.0';

/** `crony worker ...`: register once, then work until SIGTERM (drain) or revocation. */
export async function runWorker(argv: string[]): Promise<number> {
  const args = parseAgentArgs(argv);
  const log = (msg: string) => console.log(`[worker] ${msg}`);

  if (args.insecureNoSandbox) {
    log('WARNING: --insecure-no-sandbox: commands run without isolation, with this user’s rights');
  } else {
    const check = await checkSandbox();
    if (!check.ok) {
      console.error(
        `[worker] refusing to start: the sandbox is unavailable (${check.reason}).\n` +
          `[worker] ${check.howToFix}\n` +
          '[worker] To run commands without isolation anyway, start with --insecure-no-sandbox.',
      );
      return 2;
    }
  }

  const client = new WorkerClient(args.api);
  let stored = await loadCredential(args.stateDir, args.api);
  if (!stored) {
    if (!args.token) {
      console.error(
        `[worker] no stored credential for ${args.api}; pass --token with a registration token (crony_wr_...)`,
      );
      return 2;
    }
    const reg = await client.register({
      token: args.token,
      name: args.name,
      labels: args.labels,
      version: VERSION,
      concurrency: args.concurrency,
    });
    stored = { api: args.api, worker_id: reg.worker_id, credential: reg.credential };
    const file = await saveCredential(args.stateDir, stored);
    log(`registered as ${args.name} (${reg.worker_id}); credential saved to ${file}`);
  }
  client.setCredential(stored.credential);
  // Said before any lease, on every start: a drain before it is over, and this start's version,
  // slots and labels apply (a restarted worker would otherwise stay draining, or keep old labels).
  for (let backoff = 500; ; backoff = Math.min(backoff * 2, 10_000)) {
    try {
      const online = await client.online({
        version: VERSION,
        concurrency: args.concurrency,
        labels: args.labels,
      });
      log(`labels: ${labelList(online.labels)}`);
      break;
    } catch (err) {
      if (err instanceof ApiRefusal) {
        if (err.status === 401) return refused(args, err);
        throw err;
      }
      log(`cannot reach the API (${(err as Error).message}); retrying in ${backoff} ms`);
      await new Promise((r) => setTimeout(r, backoff));
    }
  }

  const agent = new WorkerAgent({
    client,
    concurrency: args.concurrency,
    run: args.insecureNoSandbox ? runUnsandboxed : runInSandbox,
    log,
  });
  const onSignal = (sig: string) => {
    log(`${sig}: draining — finishing the runs in hand, taking no new ones`);
    void agent.drain().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  agent.start();
  log(`working for ${args.api} with ${args.concurrency} slot(s)`);
  try {
    await agent.done();
    return 0;
  } catch (err) {
    if (err instanceof ApiRefusal && err.status === 401) return refused(args, err);
    throw err;
  }
}

function refused(args: { stateDir: string; api: string }, err: ApiRefusal): number {
  console.error(
    `[worker] the API refused this worker's credential (revoked?): ${err.message}\n` +
      `[worker] delete ${credentialPath(args.stateDir, args.api)} and register again with a new token`,
  );
  return 3;
}

const labelList = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || 'none';
