'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Run } from '@crony/shared';
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
