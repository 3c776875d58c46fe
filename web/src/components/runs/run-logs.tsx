'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { api, errorMessage } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { useLogStream } from '../../lib/run-events.ts';

const TAIL_MS = 2_000;
/** How close to the bottom (px) still counts as "following" the output. */
const STICK_SLACK_PX = 24;

/**
 * The run's output with a live tail: streamed over server-sent events while the run is active
 * (polled every 2 s only while the stream is down), and kept scrolled to the end unless the
 * reader scrolled up to read something.
 */
export function RunLogs({ runId, active }: { runId: string; active: boolean }) {
  const streaming = useLogStream(runId, active);
  const logs = useQuery({
    queryKey: queryKeys.runLogs(runId),
    queryFn: () => api.runLogs(runId),
    refetchInterval: active && !streaming ? TAIL_MS : false,
  });

  // The last poll may come just before the final output is stored: read once more when it ends.
  const wasActive = useRef(active);
  const { refetch } = logs;
  useEffect(() => {
    if (wasActive.current && !active) void refetch();
    wasActive.current = active;
  }, [active, refetch]);

  const viewRef = useRef<HTMLPreElement>(null);
  const [following, setFollowing] = useState(true);
  const lines = logs.data?.data ?? [];

  useLayoutEffect(() => {
    const el = viewRef.current;
    if (el && following) el.scrollTop = el.scrollHeight;
  }, [lines, following]);

  function onScroll() {
    const el = viewRef.current;
    if (!el) return;
    setFollowing(el.scrollHeight - el.scrollTop - el.clientHeight <= STICK_SLACK_PX);
  }

  return (
    <section className="section" aria-labelledby="logs-title" data-testid="run-logs">
      <div className="section-header">
        <h2 id="logs-title">Logs</h2>
        <span className="muted small inline-gap">
          {active ? (
            <>
              <span className="live-dot" aria-hidden="true" /> Live
            </>
          ) : null}
        </span>
      </div>
      {logs.isError ? <p className="field-error">Could not load the logs: {errorMessage(logs.error)}</p> : null}
      {logs.data?.truncated ? (
        <p className="log-truncated" role="note" data-testid="logs-truncated">
          The output passed the stored limit; what came after it was dropped.
        </p>
      ) : null}
      <div className="log-frame">
        {/* Chunks arrive as the worker read them, not split into lines: they are laid end to end,
            as a terminal would show them, and stderr is tinted. */}
        <pre
          ref={viewRef}
          className="log-view"
          onScroll={onScroll}
          role="log"
          aria-label="Run output"
          aria-live={active ? 'polite' : 'off'}
          tabIndex={0}
        >
          {logs.isPending ? <span className="log-empty">Loading…</span> : null}
          {logs.isSuccess && lines.length === 0 ? (
            <span className="log-empty">{active ? 'No output yet.' : 'No output.'}</span>
          ) : null}
          {lines.map((l, i) => (
            <span key={i} className="log-chunk" data-stream={l.stream} title={`${l.stream} · ${l.at}`}>
              {l.text}
            </span>
          ))}
        </pre>
        {!following && lines.length > 0 ? (
          <button
            type="button"
            className="button small log-jump"
            onClick={() => {
              setFollowing(true);
              const el = viewRef.current;
              if (el) el.scrollTop = el.scrollHeight;
            }}
          >
            {active ? 'Follow output ↓' : 'Jump to end ↓'}
          </button>
        ) : null}
      </div>
    </section>
  );
}
