/**
 * What the benchmark schedules: per-minute and hourly cron schedules with a seconds field, so
 * every system under test (Cloud Crony, raw Agenda, BullMQ) gets the same expressions and the
 * expected slots can be computed here, independently of any scheduler's own slot code.
 */

export type Size = 'tiny' | 'small' | 'medium' | 'large';

export interface Spec {
  /** Six-field cron expression (seconds first), UTC. */
  cron: string;
  /** Distance between two slots, in ms (60 000 or 3 600 000). */
  periodMs: number;
  /** Slot instants are the t with t mod periodMs = offsetMs. */
  offsetMs: number;
}

export type ScenarioName = 'spread' | 'burst' | 'mixed';

export const SIZES: Record<Size, number> = { tiny: 60, small: 1_000, medium: 10_000, large: 100_000 };

export function perMinute(second: number): Spec {
  return { cron: `${second} * * * * *`, periodMs: 60_000, offsetMs: second * 1000 };
}

export function hourly(secondOfHour: number): Spec {
  const minute = Math.floor(secondOfHour / 60);
  const second = secondOfHour % 60;
  return { cron: `${second} ${minute} * * * *`, periodMs: 3_600_000, offsetMs: secondOfHour * 1000 };
}

export interface Scenario {
  name: ScenarioName;
  description: string;
  specs: Spec[];
}

/** Which scenarios a size runs: per-minute spread and all-on-one-second up to 10k; the 10/90 mix at 100k. */
export function scenariosFor(size: Size): ScenarioName[] {
  return size === 'large' ? ['mixed'] : ['spread', 'burst'];
}

/** The second of the minute every `burst` schedule fires on: second 0, the worst case users meet. */
export const BURST_SECOND = 0;

/** The schedules of a scenario with `n` schedules. */
export function buildScenario(name: ScenarioName, n: number): Scenario {
  const specs: Spec[] = [];
  if (name === 'spread') {
    for (let i = 0; i < n; i++) specs.push(perMinute(i % 60));
    return { name, description: `${n} per-minute schedules spread over the minute`, specs };
  }
  if (name === 'burst') {
    for (let i = 0; i < n; i++) specs.push(perMinute(BURST_SECOND));
    return { name, description: `${n} per-minute schedules all on second 0`, specs };
  }
  const minutely = Math.round(n / 10);
  for (let i = 0; i < minutely; i++) specs.push(perMinute(i % 60));
  for (let i = minutely; i < n; i++) specs.push(hourly((i * 7) % 3600));
  return { name, description: `${n} schedules: ${minutely} per-minute and ${n - minutely} hourly, spread`, specs };
}

/**
 * The measured window, [from, to), once the system is ready at `readyAt`: after a few seconds of
 * warm-up, `seconds` long; for `burst`, the one second-0 instant after the warm-up.
 */
export function windowFor(name: ScenarioName, readyAt: number, seconds: number): { from: number; to: number } {
  const start = Math.ceil((readyAt + WARMUP_MS) / 1000) * 1000;
  if (name === 'burst') {
    const from = slotAtOrBefore(perMinute(BURST_SECOND), start - 1) + 60_000;
    return { from, to: from + 1000 };
  }
  return { from: start, to: start + seconds * 1000 };
}

/** Between "ready" and the window: catch-up firings of slots that fell during setup settle. */
export const WARMUP_MS = 5_000;

/** Longest wait for Cloud Crony to keep up after its start (crony.ts), before the window starts anyway. */
export const CATCH_UP_LIMIT_MS = 120_000;

/** The slots of `spec` in [from, to), in ms since the epoch. */
export function slotsIn(spec: Spec, from: number, to: number): number[] {
  const out: number[] = [];
  let t = Math.floor((from - spec.offsetMs) / spec.periodMs) * spec.periodMs + spec.offsetMs;
  if (t < from) t += spec.periodMs;
  for (; t < to; t += spec.periodMs) out.push(t);
  return out;
}

/** The latest slot of `spec` at or before `t`: what a peer that only knows "now" attributes a firing to. */
export function slotAtOrBefore(spec: Pick<Spec, 'periodMs' | 'offsetMs'>, t: number): number {
  return Math.floor((t - spec.offsetMs) / spec.periodMs) * spec.periodMs + spec.offsetMs;
}
