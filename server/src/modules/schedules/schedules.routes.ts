import {
  BulkScheduleBody,
  CreateScheduleBody,
  CronPreviewBody,
  ListRunsQuery,
  ListSchedulesQuery,
  NextQuery,
  UpdateScheduleBody,
} from '@crony/shared';
import { Router } from 'express';
import { principal, requireRole } from '../../http/auth.ts';
import { sendRenderedPage } from '../../http/rendered-page.ts';
import { body, idParam, query } from '../../http/validate.ts';
import type { TargetPolicy } from '../outbound/policy.ts';
import { listRuns } from '../runs/runs.queries.ts';
import { groupOr404 } from '../groups/groups.queries.ts';
import { getSchedule, listSchedules } from './schedules.queries.ts';
import {
  bulkSchedules,
  createSchedule,
  deleteSchedule,
  previewFireTimes,
  scheduleFireTimes,
  triggerSchedule,
  updateSchedule,
} from './schedules.service.ts';
import { toRun } from '../runs/runs.presenter.ts';

export function schedulesRouter(deps: { policy: TargetPolicy }): Router {
  const r = Router();
  const id = (req: Parameters<typeof idParam>[0]) => idParam(req, 'id', 'Schedule');

  r.post('/cron/preview', async (req, res) => {
    res.json(previewFireTimes(body(req, CronPreviewBody)));
  });
  r.get('/schedules', async (req, res) => {
    const { group, ...q } = query(req, ListSchedulesQuery);
    const g = group ? await groupOr404(principal(req), group) : undefined;
    sendRenderedPage(res, await listSchedules(principal(req), q, g?._id));
  });
  r.post('/schedules', requireRole('member'), async (req, res) => {
    res.status(201).json(await createSchedule(principal(req), body(req, CreateScheduleBody), deps));
  });
  r.post('/schedules/bulk', requireRole('member'), async (req, res) => {
    res.json(await bulkSchedules(principal(req), body(req, BulkScheduleBody), deps));
  });
  r.get('/schedules/:id', async (req, res) => {
    res.json(await getSchedule(principal(req), id(req)));
  });
  r.patch('/schedules/:id', requireRole('member'), async (req, res) => {
    res.json(await updateSchedule(principal(req), id(req), body(req, UpdateScheduleBody), deps));
  });
  r.delete('/schedules/:id', requireRole('member'), async (req, res) => {
    await deleteSchedule(principal(req), id(req));
    res.status(204).end();
  });
  // Actions. Pausing stops new slots; resuming continues from the next slot after now, so the
  // paused period is not replayed.
  r.post('/schedules/:id/pause', requireRole('member'), async (req, res) => {
    res.json(await updateSchedule(principal(req), id(req), { paused: true }, deps));
  });
  r.post('/schedules/:id/resume', requireRole('member'), async (req, res) => {
    res.json(await updateSchedule(principal(req), id(req), { paused: false }, deps));
  });
  r.post('/schedules/:id/trigger', requireRole('member'), async (req, res) => {
    res.status(201).json(toRun(await triggerSchedule(principal(req), id(req))));
  });
  r.get('/schedules/:id/next', async (req, res) => {
    const q = query(req, NextQuery);
    res.json(await scheduleFireTimes(principal(req), id(req), q.count, q.from));
  });
  r.get('/schedules/:id/runs', async (req, res) => {
    const scheduleId = id(req);
    await getSchedule(principal(req), scheduleId); // 404 for another tenant's schedule, not an empty list
    const q = query(req, ListRunsQuery.omit({ schedule_id: true }));
    res.json(await listRuns(principal(req), { ...q, schedule_id: scheduleId }));
  });
  return r;
}
