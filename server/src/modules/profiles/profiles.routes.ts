import { CreateProfileBody, UpdateProfileBody } from '@crony/shared';
import { Router } from 'express';
import { principal, requireRole } from '../../http/auth.ts';
import { body, idParam } from '../../http/validate.ts';
import { getProfile, listProfiles } from './profiles.queries.ts';
import { createProfile, deleteProfile, updateProfile } from './profiles.service.ts';

/** Every role reads profiles; only admins and owners change them (they bound everyone's runs). */
export function profilesRouter(): Router {
  const r = Router();
  const id = (req: Parameters<typeof idParam>[0]) => idParam(req, 'id', 'Profile');
  r.get('/profiles', async (req, res) => {
    res.json(await listProfiles(principal(req)));
  });
  r.post('/profiles', requireRole('admin'), async (req, res) => {
    res.status(201).json(await createProfile(principal(req), body(req, CreateProfileBody)));
  });
  r.get('/profiles/:id', async (req, res) => {
    res.json(await getProfile(principal(req), id(req)));
  });
  r.patch('/profiles/:id', requireRole('admin'), async (req, res) => {
    res.json(await updateProfile(principal(req), id(req), body(req, UpdateProfileBody)));
  });
  r.delete('/profiles/:id', requireRole('admin'), async (req, res) => {
    await deleteProfile(principal(req), id(req));
    res.status(204).end();
  });
  return r;
}
