import { EventEmitter } from 'node:events';

/** Why the server stopped a running attempt that its executor did not end itself. */
export type StopCode = 'preempted' | 'deadline_exceeded' | 'max_runtime_exceeded';

/**
 * Tells this process's executors at once that an attempt was stopped (preempted, or over a
 * time limit), so the HTTP executor aborts its request now rather than at its next
 * heartbeat. Executors in other processes, and workers, learn through their heartbeat.
 */
const bus = new EventEmitter();
bus.setMaxListeners(0);

export function signalStop(runId: string, epoch: number, code: StopCode): void {
  bus.emit(`${runId}:${epoch}`, code);
}

/** Calls `onStop` if the attempt `epoch` of the run is stopped; returns the unsubscribe function. */
export function watchStop(runId: string, epoch: number, onStop: (code: StopCode) => void): () => void {
  const key = `${runId}:${epoch}`;
  bus.on(key, onStop);
  return () => bus.off(key, onStop);
}
