import { writeFileSync } from 'node:fs';
import type { MongoClient } from 'mongodb';

/**
 * Counts the database commands this process sends, by command, collection and filter shape
 * (field names, not values), with the documents they touched and their total latency, and
 * rewrites the tally to `file` every two seconds as tab-separated lines (count, documents,
 * milliseconds, command). For finding out what a run costs the database, e.g. under
 * `npm run bench -- --census DIR`; off unless `CRONY_DB_CENSUS` names a file, since monitoring
 * every command costs the driver time. The client must have been created with
 * `monitorCommands: true`.
 */
export function startCommandCensus(client: MongoClient, file: string): void {
  const tally = new Map<string, { n: number; docs: number; ms: number }>();
  const started = new Map<number, { key: string; at: number }>();
  client.on('commandStarted', (e) => {
    started.set(e.requestId, { key: describe(e.commandName, e.command), at: performance.now() });
  });
  const ended = (requestId: number, reply: unknown) => {
    const s = started.get(requestId);
    if (!s) return;
    started.delete(requestId);
    const r = (reply ?? {}) as { cursor?: { firstBatch?: unknown[]; nextBatch?: unknown[] }; n?: number };
    const v = tally.get(s.key) ?? { n: 0, docs: 0, ms: 0 };
    v.n++;
    v.docs += r.cursor?.firstBatch?.length ?? r.cursor?.nextBatch?.length ?? r.n ?? 0;
    v.ms += performance.now() - s.at;
    tally.set(s.key, v);
  };
  client.on('commandSucceeded', (e) => ended(e.requestId, e.reply));
  client.on('commandFailed', (e) => ended(e.requestId, null));
  const write = () =>
    writeFileSync(
      file,
      [...tally]
        .sort((a, b) => b[1].n - a[1].n)
        .map(([key, v]) => `${v.n}\t${v.docs}\t${Math.round(v.ms)}\t${key}`)
        .join('\n') + '\n',
    );
  setInterval(write, 2000).unref();
}

/** `find runs {_id}`, `update schedule_state {_id}`, `insert runs`: what a command is, without its values. */
function describe(name: string, command: Record<string, unknown>): string {
  const collection = typeof command[name] === 'string' ? command[name] : '';
  const first = (list: unknown) => (Array.isArray(list) ? (list[0] as { q?: unknown } | undefined)?.q : undefined);
  const filter =
    name === 'find'
      ? command.filter
      : name === 'count'
        ? command.query
        : name === 'update'
          ? first(command.updates)
          : name === 'delete'
            ? first(command.deletes)
            : undefined;
  return [name, collection, filter === undefined ? '' : shape(filter)].filter(Boolean).join(' ');
}

/** The field names of a filter, operators and nested documents kept, values left out. */
function shape(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length > 0 ? shape(value[0]) : ''}]`;
  if (!isPlainObject(value)) return '';
  const fields = Object.entries(value).map(([k, v]) => (isPlainObject(v) || Array.isArray(v) ? `${k}:${shape(v)}` : k));
  return `{${fields.join(',')}}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}
