'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Schedule } from '@crony/shared';
import { api } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query-keys.ts';

/** Pauses or resumes a schedule (`POST …/pause` or `…/resume`), then refreshes every view of it. */
export function usePauseToggle() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (s: Pick<Schedule, 'id' | 'paused'>) => (s.paused ? api.resumeSchedule(s.id) : api.pauseSchedule(s.id)),
    onSuccess: (saved) => {
      queryClient.setQueryData(queryKeys.schedule(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: queryKeys.schedules });
    },
  });
}
