/**
 * `npm run bench -- --size tiny|small|medium|large [--seconds N] [--peers agenda,bullmq|none] [--out DIR]`
 *
 * Cloud Crony against raw Agenda 6 and BullMQ on this machine (see README.md, "Benchmarks").
 * Writes bench-<size>-<time>.json and .md into --out (default bench/results) and prints the
 * Markdown table.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runBench } from '../../server/test/bench/harness.ts';
import { toMarkdown, type PeerName } from '../../server/test/bench/report.ts';
import { SIZES, type Size } from '../../server/test/bench/workload.ts';

const usage =
  'usage: npm run bench -- --size tiny|small|medium|large [--seconds N] [--peers agenda,bullmq|none] [--out DIR]\n' +
  '                       [--api-rate N] [--api-seconds N] [--commands N] [--census DIR] [--db-pprof HOST:PORT] [--cpu-prof DIR]';

function fail(problem: string): never {
  console.error(`${problem}\n${usage}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      size: { type: 'string', default: 'small' },
      seconds: { type: 'string', default: '60' },
      peers: { type: 'string', default: 'agenda,bullmq' },
      out: { type: 'string', default: 'bench/results' },
      'api-rate': { type: 'string', default: '200' },
      'api-seconds': { type: 'string', default: '10' },
      commands: { type: 'string', default: '200' },
      census: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'db-pprof': { type: 'string' },
    },
    strict: true,
  }));
} catch (err) {
  fail((err as Error).message);
}
const size = values.size as Size;
if (!(size in SIZES)) fail(`--size must be one of ${Object.keys(SIZES).join(', ')}; got "${values.size}"`);
const seconds = Number(values.seconds);
if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600)
  fail('--seconds must be a whole number from 1 to 3600');
const peers = values.peers === 'none' ? [] : values.peers.split(',').map((p) => p.trim());
for (const p of peers) if (p !== 'agenda' && p !== 'bullmq') fail(`--peers takes agenda, bullmq or none; got "${p}"`);

const count = (name: 'api-rate' | 'api-seconds' | 'commands', max: number): number => {
  const v = Number(values[name]);
  if (!Number.isInteger(v) || v < 1 || v > max) fail(`--${name} must be a whole number from 1 to ${max}`);
  return v;
};
// A stopped benchmark stops its processes: the exit handlers kill every child still running.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

if (values['db-pprof'] && !/^(127\.0\.0\.1|localhost):\d+$/.test(values['db-pprof']))
  fail(`--db-pprof takes a loopback address such as 127.0.0.1:6060; got "${values['db-pprof']}"`);
if (values.census) await fs.mkdir(values.census, { recursive: true });
if (values['cpu-prof']) await fs.mkdir(values['cpu-prof'], { recursive: true });

const report = await runBench({
  size,
  seconds,
  apiRate: count('api-rate', 5000),
  apiSeconds: count('api-seconds', 600),
  commands: count('commands', 100_000),
  peers: peers as PeerName[],
  ...(values.census ? { census: path.resolve(values.census) } : {}),
  ...(values['cpu-prof'] ? { cpuProf: path.resolve(values['cpu-prof']) } : {}),
  ...(values['db-pprof'] ? { dbPprof: values['db-pprof'] } : {}),
  log: (s) => console.error(`[bench] ${s}`),
});
const md = toMarkdown(report);
await fs.mkdir(values.out, { recursive: true });
const stem = path.join(values.out, `bench-${size}-${report.started_at.replace(/[:.]/g, '-')}`);
await fs.writeFile(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
await fs.writeFile(`${stem}.md`, md);
console.log(md);
console.error(`[bench] wrote ${stem}.json and ${stem}.md`);
