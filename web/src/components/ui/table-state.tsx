import type { ReactNode } from 'react';
import { SkeletonRows } from './skeleton.tsx';

/**
 * A table body's state rows: skeleton rows while it loads, then one row spanning the table with
 * `empty` when the caller says the list is empty (null: the list has rows, or failed to load).
 */
export function TableState({
  columns,
  rows,
  pending,
  empty,
}: {
  columns: number;
  /** Skeleton rows while loading; default 5. */
  rows?: number;
  pending: boolean;
  empty: ReactNode | null;
}) {
  if (pending) return <SkeletonRows columns={columns} rows={rows} />;
  if (empty === null) return null;
  return (
    <tr>
      <td colSpan={columns} className="empty-row">
        {empty}
      </td>
    </tr>
  );
}
