/** The part of an infinite query (TanStack `useInfiniteQuery`) the footer needs. */
interface Pages {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

/** The "Load more" footer under a cursor-paged table; nothing once the last page is in. */
export function LoadMore({ pages }: { pages: Pages }) {
  if (!pages.hasNextPage) return null;
  return (
    <div className="load-more">
      <button
        type="button"
        className="button"
        onClick={() => void pages.fetchNextPage()}
        disabled={pages.isFetchingNextPage}
      >
        {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
      </button>
    </div>
  );
}
