/** The benchmark report: its JSON shape and its Markdown rendering. */
import type { CronyExtras, SystemFigures } from './crony.ts';
import type { Summary } from './stats.ts';
import { CATCH_UP_LIMIT_MS, type ScenarioName, type Size } from './workload.ts';

export type PeerName = 'agenda' | 'bullmq';

export interface ScenarioReport {
  name: ScenarioName;
  description: string;
  schedules: number;
  crony: SystemFigures;
  crony_extras: CronyExtras;
  /** A peer's figures, or why it was not run. */
  peers: Partial<Record<PeerName, SystemFigures | { skipped: string }>>;
  /**
   * Cloud Crony's figure divided by the peer's, for the figures where lower is better
   * (below 1: Cloud Crony is better). Null where either side has no figure or the peer's is 0.
   */
  ratios: Partial<Record<PeerName, Ratios>>;
}

export interface Ratios {
  start_lateness_p50: number | null;
  start_lateness_p99: number | null;
  start_lateness_max: number | null;
  drain: number | null;
  rss: number | null;
}

export interface BenchReport {
  /** Report format version. */
  version: 1;
  size: Size;
  schedules: number;
  seconds: number;
  started_at: string;
  finished_at: string;
  duration_s: number;
  machine: {
    cpus: number;
    /** 1-minute load average at the start and at the end. */
    load_start: number;
    load_end: number;
    node: string;
    database: string;
  };
  scenarios: ScenarioReport[];
}

const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? null : Math.round((a / b) * 100) / 100;

export function ratios(crony: SystemFigures, peer: SystemFigures): Ratios {
  return {
    start_lateness_p50: ratio(crony.start_lateness_ms.p50, peer.start_lateness_ms.p50),
    start_lateness_p99: ratio(crony.start_lateness_ms.p99, peer.start_lateness_ms.p99),
    start_lateness_max: ratio(crony.start_lateness_ms.max, peer.start_lateness_ms.max),
    drain: ratio(crony.drain_ms, peer.drain_ms),
    rss: ratio(crony.rss_mib_max, peer.rss_mib_max),
  };
}

const PEER_TITLES: Record<PeerName, string> = { agenda: 'raw Agenda 6', bullmq: 'BullMQ' };

const fmt = (v: number | null | undefined, unit = ''): string => (v === null || v === undefined ? '–' : `${v}${unit}`);
/** `: ECONNRESET 1, status 500 2` after an API row's error count; nothing when there were none. */
const errorKinds = (kinds: Record<string, number>): string => {
  const listed = Object.entries(kinds).map(([kind, n]) => `${kind} ${n}`);
  return listed.length > 0 ? `: ${listed.join(', ')}` : '';
};
const sumRow = (s: Summary | null | undefined, k: keyof Summary) => fmt(s?.[k], ' ms');

export function toMarkdown(r: BenchReport): string {
  const out: string[] = [];
  out.push(`## Benchmark: size ${r.size} (${r.schedules.toLocaleString('en')} schedules)`, '');
  out.push(
    `${r.started_at} · ${r.duration_s} s · ${r.machine.cpus} cores, load ${r.machine.load_start} → ${r.machine.load_end} · ` +
      `Node ${r.machine.node} · ${r.machine.database} · window ${r.seconds} s`,
    '',
  );
  for (const s of r.scenarios) {
    const peers = (Object.keys(s.peers) as PeerName[]).filter((p) => s.peers[p]);
    const figures = peers.map((p) => s.peers[p]!);
    const cols = [
      'Cloud Crony',
      ...peers.map((p) => PEER_TITLES[p]),
      ...peers.map((p) => `ratio vs ${PEER_TITLES[p]}`),
    ];
    out.push(`### ${s.name}: ${s.description}`, '');
    out.push(`| figure | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`);
    const row = (label: string, get: (f: SystemFigures) => string, ratioKey?: keyof Ratios) => {
      const peerCells = figures.map((f) => ('skipped' in f ? 'skipped' : get(f)));
      const ratioCells = peers.map((p) => (ratioKey ? fmt(s.ratios[p]?.[ratioKey], '×') : ''));
      out.push(`| ${[label, get(s.crony), ...peerCells, ...ratioCells].join(' | ')} |`);
    };
    row('slots expected / started / missed', (f) => `${f.slots_expected} / ${f.slots_started} / ${f.slots_missed}`);
    row('start lateness p50', (f) => sumRow(f.start_lateness_ms, 'p50'), 'start_lateness_p50');
    row('start lateness p95', (f) => sumRow(f.start_lateness_ms, 'p95'));
    row('start lateness p99', (f) => sumRow(f.start_lateness_ms, 'p99'), 'start_lateness_p99');
    row('start lateness max', (f) => sumRow(f.start_lateness_ms, 'max'), 'start_lateness_max');
    row('claimable lateness p50 / p99', (f) =>
      f.claimable_lateness_ms
        ? `${sumRow(f.claimable_lateness_ms, 'p50')} / ${sumRow(f.claimable_lateness_ms, 'p99')}`
        : '–',
    );
    if (s.name === 'burst') row('burst drained (last start)', (f) => fmt(f.drain_ms, ' ms'), 'drain');
    row('scheduler RSS max', (f) => fmt(f.rss_mib_max, ' MiB'), 'rss');
    row('event-loop delay p99 / max', (f) =>
      f.event_loop_delay_ms ? `${f.event_loop_delay_ms.p99} / ${f.event_loop_delay_ms.max} ms` : '–',
    );
    row('CPU (cores busy in the window)', (f) => fmt(f.cpu_cores));
    row('setup (seed + start)', (f) => fmt(f.setup_s, ' s'));
    for (const [p, f] of Object.entries(s.peers))
      if (f && 'skipped' in f) out.push('', `${PEER_TITLES[p as PeerName]} skipped: ${f.skipped}`);
    const x = s.crony_extras;
    const extra: [string, string][] = [];
    if (x.db_bytes_per_10k_schedules !== null)
      extra.push(['database size per 10k schedules', `${(x.db_bytes_per_10k_schedules / 2 ** 20).toFixed(1)} MiB`]);
    extra.push([
      'after start: kept up (slots since start all arrived) after',
      x.catch_up_ms === null
        ? `not within ${CATCH_UP_LIMIT_MS / 1000} s (the window started anyway)`
        : `${(x.catch_up_ms / 1000).toFixed(1)} s`,
    ]);
    if (x.db_cpu_cores !== null) extra.push(['database server CPU (cores busy in the window)', fmt(x.db_cpu_cores)]);
    if (x.dispatch_runs_per_s !== null)
      extra.push(['dispatch throughput (burst, slot → completed)', `${x.dispatch_runs_per_s} runs/s`]);
    if (x.fire_drain_ms !== null)
      extra.push(['burst: last run recorded (claimable)', `${x.fire_drain_ms} ms after the slot`]);
    if (x.complete_drain_ms !== null)
      extra.push(['burst: last run completed', `${x.complete_drain_ms} ms after the slot`]);
    if (x.api) {
      for (const [k, v] of [
        ['GET /v1/schedules?limit=50', x.api.list],
        ['POST /v1/schedules', x.api.create],
      ] as const) {
        extra.push([
          `${k} at ${v.rate_per_s}/s open loop`,
          `p50 ${fmt(v.latency_ms.p50, ' ms')}, p99 ${fmt(v.latency_ms.p99, ' ms')}, max ${fmt(v.latency_ms.max, ' ms')} (${v.sent} sent, ${v.errors} errors${errorKinds(v.error_kinds)})`,
        ]);
      }
    }
    if (x.commands) {
      extra.push([
        'sandboxed no-op commands (one worker)',
        'skipped' in x.commands
          ? `skipped: ${x.commands.skipped}`
          : `${x.commands.per_s_per_worker}/s per worker (concurrency ${x.commands.worker_concurrency}; ${x.commands.per_s_per_core}/s per slot), ${x.commands.commands} commands`,
      ]);
      if (!('skipped' in x.commands)) {
        const c = x.commands.cpu_ms_per_command;
        extra.push([
          'CPU per sandboxed command: server / database / worker with its sandboxes',
          `${fmt(c.server, ' ms')} / ${fmt(c.database, ' ms')} / ${fmt(c.worker, ' ms')}`,
        ]);
        extra.push([
          "sandboxed no-op commands per second of the worker's own CPU",
          fmt(x.commands.per_s_per_worker_cpu, '/s'),
        ]);
      }
    }
    if (extra.length) {
      out.push('', '| Cloud Crony only | |', '|---|---|');
      for (const [k, v] of extra) out.push(`| ${k} | ${v} |`);
    }
    out.push('');
  }
  out.push('Ratios are Cloud Crony ÷ peer: below 1× Cloud Crony is better.', '');
  return out.join('\n');
}
