import { appendErrors } from '../errors/errors.service.ts';
import type { DeliveryDoc } from './delivery.model.ts';

/**
 * Records an error hook that gave up (HTTP or worker command alike) in its schedule's errors as
 * `hook_failed`, so a failure nobody was told about still shows in the console.
 */
export async function recordHookFailed(
  d: Pick<DeliveryDoc, 'tenant_id' | 'schedule_id' | 'run_id' | 'event'>,
  failure: { message: string; worker: string | null; at: Date },
): Promise<void> {
  await appendErrors([
    {
      tenant_id: d.tenant_id,
      schedule_id: d.schedule_id,
      schedule_name: d.event.schedule_name,
      group_id: null,
      run_id: d.run_id,
      nominal_at: new Date(d.event.nominal_at),
      attempt: d.event.attempt,
      code: 'hook_failed',
      message: failure.message,
      status: null,
      worker: failure.worker,
      at: failure.at,
    },
  ]);
}
