'use client';

import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api, isApiError } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { QueryErrorAlert } from '../ui/alert.tsx';
import { Spinner } from '../ui/skeleton.tsx';
import { MeContext } from './me-context.tsx';
import { TopBar } from './top-bar.tsx';

/**
 * The signed-in frame: top bar and page. Renders the page only once `/v1/me` has answered, so
 * no page flashes for a visitor who is not logged in (a 401 sends them to /login, see Providers).
 */
export function ConsoleShell({ children }: { children: ReactNode }) {
  const me = useQuery({ queryKey: queryKeys.me, queryFn: api.me, staleTime: 60_000 });

  if (me.data) {
    return (
      <MeContext.Provider value={me.data}>
        <TopBar />
        <main className="page" id="main">
          {children}
        </main>
      </MeContext.Provider>
    );
  }

  const unauthenticated = isApiError(me.error) && me.error.status === 401;
  return (
    <main className="page page-center">
      {me.isError && !unauthenticated ? (
        <QueryErrorAlert query={me} />
      ) : (
        <Spinner label={unauthenticated ? 'Redirecting to log in' : 'Loading'} />
      )}
    </main>
  );
}
