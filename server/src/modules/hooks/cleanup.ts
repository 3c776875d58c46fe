import { scoped, type Principal } from '../../tenancy/scope.ts';
import { ScheduleErrorModel } from '../errors/schedule-error.model.ts';
import { DeliveryModel, HookQueueModel } from './delivery.model.ts';

/** A deleted schedule takes its errors and hook deliveries (and their pending sends) with it. */
export async function deleteHookRecords(principal: Principal, scheduleId: string): Promise<void> {
  await scoped(ScheduleErrorModel, principal).deleteMany({ schedule_id: scheduleId });
  const pending = await scoped(DeliveryModel, principal)
    .find({ schedule_id: scheduleId, status: 'pending' })
    .select({ _id: 1 })
    .lean<{ _id: string }[]>();
  if (pending.length > 0) await HookQueueModel.deleteMany({ _id: { $in: pending.map((d) => d._id) } });
  await scoped(DeliveryModel, principal).deleteMany({ schedule_id: scheduleId });
}
