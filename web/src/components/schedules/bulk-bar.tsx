'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { BulkScheduleResult, Schedule } from '@crony/shared';
import { api, errorMessage } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { Alert } from '../ui/alert.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';

type Action = BulkScheduleResult['action'];

const copy: Record<Action, { verb: string; done: string; explain: string }> = {
  pause: { verb: 'Pause', done: 'Paused', explain: 'They stop firing until resumed; runs in flight finish.' },
  resume: {
    verb: 'Resume',
    done: 'Resumed',
    explain: 'They continue from their next slot after now; the paused period is not replayed.',
  },
  trigger: { verb: 'Run now', done: 'Started a run of', explain: 'Each target is called once now, as a manual run.' },
  delete: {
    verb: 'Delete',
    done: 'Deleted',
    explain: 'They stop firing and are removed with their run history. This cannot be undone.',
  },
};

const plural = (n: number) => `${n} schedule${n === 1 ? '' : 's'}`;

/**
 * Actions on the selected rows, each confirmed first. The API answers per schedule, so a
 * partial failure names the schedules it could not change, which stay selected.
 */
export function BulkBar({
  schedules,
  onDone,
}: {
  schedules: Schedule[];
  /** Called with the ids that failed (to keep them selected). */
  onDone: (failedIds: string[]) => void;
}) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState<Action | null>(null);
  const [summary, setSummary] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);

  const bulk = useMutation({
    mutationFn: (action: Action) => api.bulkSchedules({ action, ids: schedules.map((s) => s.id) }),
    onSuccess: (res) => {
      const names = new Map(schedules.map((s) => [s.id, s.name]));
      const failed = res.results.filter((r) => r.result !== 'ok');
      const text =
        `${copy[res.action].done} ${plural(res.ok)}.` +
        (failed.length > 0
          ? ` Not changed: ${failed.map((f) => `${names.get(f.id) ?? f.id} (${f.message ?? f.result})`).join('; ')}.`
          : '');
      setSummary({ tone: failed.length > 0 ? 'error' : 'success', text });
      setConfirming(null);
      onDone(failed.map((f) => f.id));
      void queryClient.invalidateQueries({ queryKey: queryKeys.schedules });
      void queryClient.invalidateQueries({ queryKey: queryKeys.runs });
      void queryClient.invalidateQueries({ queryKey: queryKeys.overview });
    },
  });

  const n = schedules.length;
  return (
    <>
      {summary ? (
        <Alert
          tone={summary.tone}
          action={
            <button type="button" className="button small" onClick={() => setSummary(null)}>
              Dismiss
            </button>
          }
        >
          <span data-testid="bulk-summary">{summary.text}</span>
        </Alert>
      ) : null}
      {/* Always rendered (empty when nothing is selected), so selecting does not push the table down. */}
      <div className="bulk-bar" role="region" aria-label="Bulk actions" data-active={n > 0 ? '' : undefined}>
        <span className="bulk-count" aria-live="polite">
          {n > 0 ? `${plural(n)} selected` : 'Select schedules to act on several at once'}
        </span>
        {(Object.keys(copy) as Action[]).map((action) => (
          <button
            key={action}
            type="button"
            className={`button small${action === 'delete' ? ' danger-outline' : ''}`}
            disabled={n === 0 || bulk.isPending}
            onClick={() => {
              bulk.reset();
              setConfirming(action);
            }}
          >
            {copy[action].verb}
          </button>
        ))}
      </div>
      <ConfirmDialog
        open={confirming !== null}
        title={confirming ? `${copy[confirming].verb} ${plural(n)}?` : ''}
        confirmLabel={confirming ? `${copy[confirming].verb} ${plural(n)}` : ''}
        pending={bulk.isPending}
        error={bulk.isError ? errorMessage(bulk.error) : null}
        onCancel={() => setConfirming(null)}
        onConfirm={() => confirming && bulk.mutate(confirming)}
      >
        <p>{confirming ? copy[confirming].explain : null}</p>
        <ul className="bulk-names">
          {schedules.slice(0, 10).map((s) => (
            <li key={s.id}>{s.name}</li>
          ))}
          {n > 10 ? <li className="muted">and {n - 10} more</li> : null}
        </ul>
      </ConfirmDialog>
    </>
  );
}
