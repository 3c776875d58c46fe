import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

export interface AgentArgs {
  api: string;
  token: string | undefined;
  name: string;
  labels: Record<string, string>;
  concurrency: number;
  /** Where the worker keeps its credential (default ~/.crony-worker). */
  stateDir: string;
  insecureNoSandbox: boolean;
}

const usage = `usage: crony worker --api URL [--token TOKEN] [--name NAME] [--labels k=v,...] [--concurrency N]
                    [--state-dir DIR] [--insecure-no-sandbox]
  --token   a registration token (crony_wr_...), needed the first time; afterwards the worker
            uses the credential it stored in --state-dir`;

export function parseAgentArgs(argv: string[]): AgentArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      api: { type: 'string' },
      token: { type: 'string' },
      name: { type: 'string' },
      labels: { type: 'string' },
      concurrency: { type: 'string' },
      'state-dir': { type: 'string' },
      'insecure-no-sandbox': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.api) throw new Error(`--api is required\n${usage}`);
  let api: URL;
  try {
    api = new URL(values.api);
  } catch {
    throw new Error(`--api must be a URL such as http://localhost:8080\n${usage}`);
  }
  const labels: Record<string, string> = {};
  for (const pair of (values.labels ?? '').split(',').filter(Boolean)) {
    const [k, ...v] = pair.split('=');
    if (!k) throw new Error(`--labels takes k=v pairs separated by commas; got "${pair}"`);
    labels[k.trim()] = v.join('=').trim();
  }
  const concurrency = Number(values.concurrency ?? 1);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new Error('--concurrency must be a whole number from 1 to 64');
  }
  return {
    api: api.origin,
    token: values.token,
    name: values.name ?? os.hostname(),
    labels,
    concurrency,
    stateDir: values['state-dir'] ?? path.join(os.homedir(), '.crony-worker'),
    insecureNoSandbox: values['insecure-no-sandbox'] ?? false,
  };
}
