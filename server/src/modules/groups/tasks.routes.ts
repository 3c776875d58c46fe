import { CreateScheduleBody, ListSchedulesQuery, UpdateScheduleBody } from '@crony/shared';
import { sendRenderedPage } from '../../http/rendered-page.ts';
import { Router } from 'express';
import { principal, requireRole } from '../../http/auth.ts';
import { AppError } from '../../http/errors.ts';
import { body, idParam, query } from '../../http/validate.ts';
import type { TargetPolicy } from '../outbound/policy.ts';
import { findSchedule, getSchedule, listSchedules } from '../schedules/schedules.queries.ts';
import { createSchedule, deleteSchedule, updateSchedule } from '../schedules/schedules.service.ts';
import { groupOr404 } from './groups.queries.ts';
import { groupParam } from './groups.routes.ts';

/**
 * The seed's nested form of schedules: `/v1/schedules/{group}/tasks[/{id}]`. A task is a
 * schedule whose group is `{group}`; every handler is the flat resource's service with the group
 * fixed, so both forms always agree. A schedule outside the group is a 404 here.
 */
export function groupTasksRouter(deps: { policy: TargetPolicy }): Router {
  const r = Router();
  const id = (req: Parameters<typeof idParam>[0]) => idParam(req, 'id', 'Task in this group');

  r.get('/schedules/:group/tasks', async (req, res) => {
    const g = await groupOr404(principal(req), groupParam(req));
    const q = query(req, ListSchedulesQuery.omit({ group: true }));
    sendRenderedPage(res, await listSchedules(principal(req), q, g._id));
  });
  r.post('/schedules/:group/tasks', requireRole('member'), async (req, res) => {
    const g = await groupOr404(principal(req), groupParam(req));
    const input = body(req, CreateScheduleBody);
    if (input.group != null && input.group !== g.name && input.group !== g._id.toHexString()) {
      throw new AppError('validation_failed', `group: the path names group "${g.name}"; leave group out of the body`, [
        { path: 'group', message: 'differs from the group in the path' },
      ]);
    }
    res.status(201).json(await createSchedule(principal(req), { ...input, group: g._id.toHexString() }, deps));
  });
  r.get('/schedules/:group/tasks/:id', async (req, res) => {
    const g = await groupOr404(principal(req), groupParam(req));
    res.json(await getSchedule(principal(req), id(req), g._id));
  });
  r.patch('/schedules/:group/tasks/:id', requireRole('member'), async (req, res) => {
    const g = await groupOr404(principal(req), groupParam(req));
    const patch = body(req, UpdateScheduleBody);
    await findSchedule(principal(req), id(req), g._id);
    res.json(await updateSchedule(principal(req), id(req), patch, deps));
  });
  r.delete('/schedules/:group/tasks/:id', requireRole('member'), async (req, res) => {
    const g = await groupOr404(principal(req), groupParam(req));
    await findSchedule(principal(req), id(req), g._id);
    await deleteSchedule(principal(req), id(req));
    res.status(204).end();
  });
  return r;
}
