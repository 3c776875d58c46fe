import type { Response } from 'express';

/** A page of a list whose items are JSON text already (schedules.presenter.ts, `renderSchedule`). */
export interface RenderedPage {
  data: readonly string[];
  next_cursor: string | null;
}

/** Sends the page as `res.json` would send `{ data, next_cursor }`, without serializing the items again. */
export function sendRenderedPage(res: Response, page: RenderedPage): void {
  res.type('json').send(`{"data":[${page.data.join(',')}],"next_cursor":${JSON.stringify(page.next_cursor)}}`);
}
