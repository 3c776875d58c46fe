'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { CronPreviewBody } from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { useDebounced } from '../../lib/hooks.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { browserTimeZone, dstChangeOnDay } from '../../lib/zoned.ts';
import { Spinner } from '../ui/skeleton.tsx';
import { DateTime, RelativeTime } from '../ui/time.tsx';

const COUNT = 5;

/**
 * The next fire times of what the form says, from the API (`POST /v1/cron/preview`), so the
 * preview is computed by exactly the code that will schedule it. Asks only for input the shared
 * schema accepts, and only once typing has paused for 300 ms.
 */
export function PreviewPanel({
  when,
  value,
  timezone,
}: {
  when: 'cron' | 'every' | 'at';
  value: string | null;
  timezone: string;
}) {
  const body = value === null ? null : { [when]: value, timezone, count: COUNT };
  const valid = body !== null && CronPreviewBody.safeParse(body).success;
  const key = useDebounced(valid ? JSON.stringify(body) : null, 300);

  const preview = useQuery({
    queryKey: queryKeys.preview(key ?? ''),
    queryFn: () => api.preview(JSON.parse(key ?? '{}') as CronPreviewBody),
    enabled: key !== null,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
    retry: false,
  });

  const viewerZone = browserTimeZone();
  const showLocal = valid && timezone !== viewerZone;

  let content;
  if (!valid) {
    content = <p className="muted">Enter a valid schedule and time zone to see when it runs.</p>;
  } else if (preview.isError) {
    content = (
      <p className="field-error" role="status">
        {errorMessage(preview.error)}
      </p>
    );
  } else if (!preview.data) {
    content = <Spinner label="Loading preview" />;
  } else if (preview.data.times.length === 0) {
    content = <p className="muted">No upcoming runs.</p>;
  } else {
    const dstDays = preview.data.times.filter((t) => dstChangeOnDay(t, timezone) !== null);
    const change = dstDays[0] ? dstChangeOnDay(dstDays[0], timezone) : null;
    content = (
      <>
        {change ? (
          <p className="dst-notice" role="note" data-testid="dst-notice">
            {dstDays.length === 1 ? 'One of these runs falls' : `${dstDays.length} of these runs fall`} on a day when{' '}
            {timezone} changes its clock (UTC{formatOffset(change.before)} → UTC{formatOffset(change.after)}). A local
            time skipped that night runs at the first instant after the gap; a repeated one runs once.
          </p>
        ) : null}
        <ol
          className={`fire-times${preview.isPlaceholderData || key !== (valid ? JSON.stringify(body) : null) ? ' stale' : ''}`}
        >
          {preview.data.times.map((t) => (
            <li key={t}>
              <DateTime iso={t} timeZone={timezone} withZone />
              <span className="muted small">
                <RelativeTime iso={t} />
                {showLocal ? (
                  <>
                    {' · '}your time <DateTime iso={t} />
                  </>
                ) : null}
              </span>
            </li>
          ))}
        </ol>
      </>
    );
  }

  return (
    <section className="card preview" aria-labelledby="preview-title" aria-live="polite" data-testid="fire-preview">
      <h2 id="preview-title">Next {COUNT} runs</h2>
      <p className="muted small">In {timezone || 'UTC'}</p>
      {content}
    </section>
  );
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '−' : '+';
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  return `${sign}${h}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}
