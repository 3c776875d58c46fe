import type { HookDelivery } from '@crony/shared';
import { notFound } from '../../http/errors.ts';
import { scoped, type Principal } from '../../tenancy/scope.ts';
import { RunModel } from '../runs/run.model.ts';
import { DeliveryModel, type DeliveryDoc } from './delivery.model.ts';

function toDelivery(d: DeliveryDoc): HookDelivery {
  return {
    id: d._id,
    run_id: d.run_id.toHexString(),
    schedule_id: d.schedule_id.toHexString(),
    hook: d.hook,
    event_type: d.event.type,
    url: d.target.type === 'http' ? d.target.url : null,
    command: d.target.type === 'command' ? d.target.command : null,
    hook_run_id: d.hook_run_id?.toHexString() ?? null,
    status: d.status,
    attempts: d.attempts.map((a) => ({
      at: a.at.toISOString(),
      http_status: a.http_status ?? null,
      latency_ms: a.latency_ms,
      error: a.error ?? null,
    })),
    next_attempt_at: d.next_attempt_at?.toISOString() ?? null,
    event: d.event,
    created_at: d.created_at.toISOString(),
  };
}

/** `GET /v1/runs/{id}/deliveries`: every hook delivery of the run, oldest first. */
export async function runDeliveries(principal: Principal, runId: string): Promise<{ data: HookDelivery[] }> {
  const run = await scoped(RunModel, principal).findById(runId).select({ _id: 1, tenant_id: 1 }).lean();
  if (!run) throw notFound('Run');
  const docs = await scoped(DeliveryModel, principal)
    .find({ run_id: run._id })
    .sort({ created_at: 1, _id: 1 })
    .lean<DeliveryDoc[]>();
  return { data: docs.map(toDelivery) };
}
