// node --import tsx bench/results/session30/notes-read.mjs: what one read of the change notes
// costs (DueIndex's unseenNotes) as the notes collection grows. Notes are kept 5 minutes, so
// at a steady R writes a second the collection holds about 300 R notes. Embedded FerretDB of
// its own (test support), nothing else running.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Types } from 'mongoose';
import { useTestDatabase } from '../../../server/test/support/db.ts';
import { RetimeNoteModel } from '../../../server/src/modules/scheduler/retime-notes.model.ts';

const cpuOf = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in ms (100 Hz)
};
const ferretdb = () => {
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('ferretdb')) return Number(p);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error('no ferretdb process');
};

const db = await useTestDatabase();
const dbPid = ferretdb();
let stored = 0;
for (const n of [1_000, 10_000, 30_000, 60_000]) {
  while (stored < n) {
    const batch = Array.from({ length: Math.min(1000, n - stored) }, () => ({
      _id: new Types.ObjectId(),
      schedule_id: new Types.ObjectId(),
      at: new Date(),
    }));
    await RetimeNoteModel.collection.insertMany(batch);
    stored += batch.length;
  }
  const reads = 5;
  const c0 = process.cpuUsage();
  const d0 = cpuOf(dbPid);
  const t0 = performance.now();
  for (let i = 0; i < reads; i++) {
    await RetimeNoteModel.find({}).select({ _id: 1, schedule_id: 1, at: 1, created: 1 }).lean();
  }
  const wall = (performance.now() - t0) / reads;
  const c = process.cpuUsage(c0);
  console.log(
    `${n} notes: a read ${wall.toFixed(1)} ms; CPU a read: this process ${((c.user + c.system) / 1000 / reads).toFixed(1)} ms, the database ${((cpuOf(dbPid) - d0) / reads).toFixed(1)} ms`,
  );
}
await db.close();
