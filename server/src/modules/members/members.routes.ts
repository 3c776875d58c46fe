import { AcceptInvitationBody, InviteMemberBody, UpdateMemberBody } from '@crony/shared';
import { Router } from 'express';
import { establishSession, principal, requireRole, startsSession } from '../../http/auth.ts';
import { body, idParam } from '../../http/validate.ts';
import { describe } from '../auth/auth.service.ts';
import {
  acceptInvitation,
  changeRole,
  inviteMember,
  listMembers,
  previewInvitation,
  removeMember,
  revokeInvitation,
} from './members.service.ts';

export function membersRouter(): Router {
  const r = Router();
  r.get('/members', async (req, res) => {
    res.json(await listMembers(principal(req)));
  });
  r.post('/members', requireRole('admin'), async (req, res) => {
    res.status(201).json(await inviteMember(principal(req), body(req, InviteMemberBody)));
  });
  r.patch('/members/:id', requireRole('admin'), async (req, res) => {
    res.json(await changeRole(principal(req), idParam(req, 'id', 'Member'), body(req, UpdateMemberBody).role));
  });
  r.delete('/members/:id', requireRole('admin'), async (req, res) => {
    await removeMember(principal(req), idParam(req, 'id', 'Member'));
    res.status(204).end();
  });
  r.delete('/invitations/:id', requireRole('admin'), async (req, res) => {
    await revokeInvitation(principal(req), idParam(req, 'id', 'Invitation'));
    res.status(204).end();
  });
  return r;
}

/** Public: the invitee holds only the link's secret, which authenticates these two calls. */
export function invitationAcceptRouter(): Router {
  const r = Router();
  r.get('/invitations/accept/:token', async (req, res) => {
    res.json(await previewInvitation(String(req.params.token)));
  });
  r.post('/invitations/accept/:token', startsSession, async (req, res) => {
    const input = body(req, AcceptInvitationBody);
    const user = await acceptInvitation(String(req.params.token), input.password);
    await establishSession(req, user);
    res.status(201).json(await describe(user));
  });
  return r;
}
