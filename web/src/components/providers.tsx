'use client';

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useRef, useState, type ReactNode } from 'react';
import { isApiError } from '../lib/api.ts';

const authPaths = ['/login', '/signup'];

/** Sends the viewer to the login page when the session has ended, and back here afterwards. */
function loginUrl(): string {
  const here = `${window.location.pathname}${window.location.search}`;
  return here === '/' || here === '/overview' ? '/login' : `/login?next=${encodeURIComponent(here)}`;
}

export function Providers({ children }: { children: ReactNode }) {
  const router = useRouter();
  const routerRef = useRef(router);
  routerRef.current = router;

  const [client] = useState(() => {
    const onError = (err: unknown) => {
      if (!isApiError(err) || err.status !== 401 || err.code !== 'unauthenticated') return;
      if (authPaths.includes(window.location.pathname)) return;
      routerRef.current.replace(loginUrl());
    };
    return new QueryClient({
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({ onError }),
      defaultOptions: {
        queries: {
          staleTime: 5_000,
          // A 4xx will not go away by asking again; network errors and 5xx may.
          retry: (failures, err) => !(isApiError(err) && err.status >= 400 && err.status < 500) && failures < 2,
        },
        mutations: { retry: false },
      },
    });
  });

  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
