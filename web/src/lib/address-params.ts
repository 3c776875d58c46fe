'use client';

import { usePathname, useSearchParams } from 'next/navigation';

/**
 * The page's query string as filter state, so a shared link shows the same view: read it from
 * `searchParams`, change it with `setParams` (an undefined or empty value removes the key).
 */
export function useAddressParams() {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const setParams = (changes: Record<string, string | undefined>) => {
    const params = new URLSearchParams(searchParams.toString());
    for (const [key, value] of Object.entries(changes)) {
      if (value) params.set(key, value);
      else params.delete(key);
    }
    const qs = params.toString();
    // Next's router observes replaceState, so useSearchParams (the filter's source) follows.
    window.history.replaceState(null, '', qs ? `${pathname}?${qs}` : pathname);
  };
  return { searchParams, setParams };
}
