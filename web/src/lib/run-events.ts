'use client';

import { useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { useEffect, useState } from 'react';
import { Run, RunLogs } from '@crony/shared';
import { queryKeys } from './query-keys.ts';

/**
 * Follows one run over `GET /v1/events?run_id=` (server-sent events): every `run` event
 * replaces the run in the query cache, so the page updates the moment the server sees a change
 * instead of on a poll. Returns whether the stream is open; callers keep a slow poll as a
 * fallback only while it is not (EventSource reconnects by itself).
 */
export function useRunStream(runId: string, enabled: boolean): boolean {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource(`/v1/events?run_id=${encodeURIComponent(runId)}`);
    source.onopen = () => setOpen(true);
    source.onerror = () => setOpen(false);
    source.addEventListener('run', (e: MessageEvent<string>) => {
      const parsed = Run.safeParse(JSON.parse(e.data));
      if (parsed.success) queryClient.setQueryData(queryKeys.run(runId), parsed.data);
    });
    return () => {
      source.close();
      setOpen(false);
    };
  }, [runId, enabled, queryClient]);
  return open;
}

const LogEvent = z.object({ offset: z.number().int().min(0), data: RunLogs.shape.data, truncated: z.boolean() });

/**
 * Tails a run's output over `GET /v1/runs/{id}/logs/stream`: each `log` event splices its chunks
 * in at their offset (so a reconnect, which starts again from 0, never duplicates a line); the
 * server closes the stream with `end` once the run is final. Returns whether the stream is open.
 */
export function useLogStream(runId: string, enabled: boolean): boolean {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource(`/v1/runs/${encodeURIComponent(runId)}/logs/stream`);
    source.onopen = () => setOpen(true);
    source.onerror = () => setOpen(false);
    source.addEventListener('log', (e: MessageEvent<string>) => {
      const parsed = LogEvent.safeParse(JSON.parse(e.data));
      if (!parsed.success) return;
      const { offset, data, truncated } = parsed.data;
      const prev = queryClient.getQueryData<RunLogs>(queryKeys.runLogs(runId));
      // A full read that landed after this stream's earlier events could be shorter than the
      // offset; splicing would leave a gap, so read the whole output again instead.
      if ((prev?.data.length ?? 0) < offset) {
        void queryClient.invalidateQueries({ queryKey: queryKeys.runLogs(runId) });
        return;
      }
      queryClient.setQueryData<RunLogs>(queryKeys.runLogs(runId), {
        data: [...(prev?.data ?? []).slice(0, offset), ...data],
        truncated,
      });
    });
    source.addEventListener('end', () => {
      source.close();
      setOpen(false);
    });
    return () => {
      source.close();
      setOpen(false);
    };
  }, [runId, enabled, queryClient]);
  return open;
}
