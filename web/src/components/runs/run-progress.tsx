'use client';

import type { Run } from '@crony/shared';
import { formatRelative } from '../../lib/format.ts';
import { useNow } from '../../lib/hooks.ts';

/**
 * The progress a target reported, as a bar with its percent and message. While the run is
 * active the slot is rendered (empty) before the first report, so the page does not jump when
 * it arrives; a finished run without progress shows nothing.
 */
export function RunProgress({ progress, active }: { progress: Run['progress']; active: boolean }) {
  const now = useNow(1000);
  if (!progress && !active) return null;
  const percent = progress ? Math.min(100, Math.max(0, progress.percent)) : 0;
  const shown = Number.isInteger(percent) ? String(percent) : percent.toFixed(1);

  return (
    <div className="run-progress" data-testid="run-progress" data-empty={progress ? undefined : ''}>
      <div className="run-progress-head">
        <span className="run-progress-title">Progress</span>
        {progress ? (
          <>
            <span className="run-progress-percent" data-testid="run-progress-percent">
              {shown}%
            </span>
            <span className="run-progress-message truncate" data-testid="run-progress-message" title={progress.message}>
              {progress.message}
            </span>
            <time className="muted small nowrap" dateTime={progress.at} title={progress.at}>
              {formatRelative(progress.at, now)}
            </time>
          </>
        ) : (
          <span className="muted small">None reported yet</span>
        )}
      </div>
      <div
        className="run-progress-track"
        role="progressbar"
        aria-label="Progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={progress ? percent : undefined}
        aria-valuetext={progress ? `${shown}%${progress.message ? `: ${progress.message}` : ''}` : 'No progress yet'}
      >
        <div className="run-progress-fill" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}
