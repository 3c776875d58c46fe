'use client';

import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query-keys.ts';

/** The tenant's profiles as `<option>`s of a profile picker, the default one marked. */
export function ProfileOptions() {
  const profiles = useQuery({ queryKey: queryKeys.profiles, queryFn: api.listProfiles });
  return (
    <>
      {(profiles.data ?? []).map((p) => (
        <option key={p.id} value={p.id}>
          {p.name}
          {p.is_default ? ' (default)' : ''}
        </option>
      ))}
    </>
  );
}
