import { CreateGroupBody, DeleteGroupQuery, ListGroupsQuery, UpdateGroupBody } from '@crony/shared';
import { Router, type Request } from 'express';
import type { TargetPolicy } from '../outbound/policy.ts';
import { principal, requireRole } from '../../http/auth.ts';
import { body, query } from '../../http/validate.ts';
import { getGroup, listGroups } from './groups.queries.ts';
import { createGroup, deleteGroup, updateGroup } from './groups.service.ts';

/** `{group}` in a path is the group's id or its name. */
export const groupParam = (req: Request) => String(req.params.group);

/**
 * Groups are team configuration (profile, labels, defaults, pause for all their tasks): like
 * profiles, admins and owners change them and every role reads them. Members still create and
 * edit the tasks in a group (`/v1/schedules/{group}/tasks`).
 */
export function groupsRouter(deps: { policy: TargetPolicy }): Router {
  const r = Router();
  r.get('/groups', async (req, res) => {
    res.json(await listGroups(principal(req), query(req, ListGroupsQuery)));
  });
  r.post('/groups', requireRole('admin'), async (req, res) => {
    res.status(201).json(await createGroup(principal(req), body(req, CreateGroupBody), deps.policy));
  });
  r.get('/groups/:group', async (req, res) => {
    res.json(await getGroup(principal(req), groupParam(req)));
  });
  r.patch('/groups/:group', requireRole('admin'), async (req, res) => {
    res.json(await updateGroup(principal(req), groupParam(req), body(req, UpdateGroupBody), deps.policy));
  });
  // Pausing a group holds all its tasks; resuming continues each from its next slot after now.
  r.post('/groups/:group/pause', requireRole('admin'), async (req, res) => {
    res.json(await updateGroup(principal(req), groupParam(req), { paused: true }, deps.policy));
  });
  r.post('/groups/:group/resume', requireRole('admin'), async (req, res) => {
    res.json(await updateGroup(principal(req), groupParam(req), { paused: false }, deps.policy));
  });
  r.delete('/groups/:group', requireRole('admin'), async (req, res) => {
    const { cascade } = query(req, DeleteGroupQuery);
    await deleteGroup(principal(req), groupParam(req), cascade === 'true');
    res.status(204).end();
  });
  return r;
}
