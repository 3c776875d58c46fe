import { parseDuration, type RetryPolicy, type Schedule } from '@crony/shared';
import { formatDuration } from '../../lib/format.ts';

type Concurrency = Schedule['concurrency_policy'];
type Misfire = Schedule['misfire_policy'];

/** One line per policy: the option text in the form, the value in the schedule's details. */
export const concurrencyText: Record<Concurrency, { label: string; explain: string }> = {
  allow: { label: 'Allow', explain: 'runs may overlap' },
  forbid: {
    label: 'Forbid',
    explain: 'skip a slot while a run is active (recorded as missed: overlap)',
  },
  replace: { label: 'Replace', explain: 'cancel the active run and start the new one' },
};

export const misfireText: Record<Misfire, { label: string; explain: string }> = {
  run_once: { label: 'Run once', explain: 'run the latest missed slot' },
  run_all: { label: 'Run all', explain: 'run every missed slot within the catch-up window' },
  skip: { label: 'Skip', explain: 'skip missed slots' },
};

/**
 * The waits before each retry, as the server computes them: attempt n+1 waits
 * min(initial · coefficient^(n−1), max). At most `limit` of them; null when the policy does not
 * parse.
 */
export function retryDelays(retry: RetryPolicy, limit = 5): number[] | null {
  const initial = parseDuration(retry.initial_interval);
  const max = parseDuration(retry.max_interval);
  if (initial === null || max === null || !Number.isFinite(retry.backoff_coefficient)) return null;
  const out: number[] = [];
  for (let n = 1; n < retry.max_attempts && out.length < limit; n++) {
    out.push(Math.round(Math.min(initial * Math.pow(retry.backoff_coefficient, n - 1), max)));
  }
  return out;
}

/** "3 attempts; retries wait 10 s, 20 s" or "No retries (1 attempt)". */
export function retryInWords(retry: RetryPolicy): string {
  if (retry.max_attempts <= 1) return 'No retries (1 attempt)';
  const delays = retryDelays(retry, 4);
  const waits = delays
    ? `${delays.map(formatDuration).join(', ')}${retry.max_attempts - 1 > delays.length ? ', …' : ''}`
    : null;
  return `Up to ${retry.max_attempts} attempts${waits ? `; retries wait ${waits}` : ''}`;
}
