// node bench/results/session28/cpu-per-request/drv.mjs mongodb://127.0.0.1:PORT/ ping|insert|find
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import { MongoClient, ObjectId } from 'mongodb';
const uri = process.argv[2]; const mode = process.argv[3] ?? 'ping'; const N = 3000;
const c = await MongoClient.connect(uri, { maxPoolSize: 48 });
const db = c.db('drvbench'); const col = db.collection('x');
async function one() {
  if (mode === 'ping') return db.command({ ping: 1 });
  if (mode === 'insert') return col.insertOne({ _id: new ObjectId(), a: 1, b: 'hello', at: new Date() });
  if (mode === 'find') return col.findOne({ _id: new ObjectId() });
}
for (let i = 0; i < 300; i++) await one();
for (const rate of [0, 200]) {
  const u0 = process.cpuUsage(); const t0 = performance.now();
  if (rate === 0) { for (let i = 0; i < N; i++) await one(); }
  else { const ps = []; for (let i = 0; i < N / 3; i++) { ps.push(one()); await new Promise(r => setTimeout(r, 1000 / rate)); } await Promise.all(ps); }
  const u = process.cpuUsage(u0); const n = rate === 0 ? N : N / 3;
  console.log('user', (u.user/1000/n).toFixed(3), 'sys', (u.system/1000/n).toFixed(3), mode, rate === 0 ? 'sequential' : `${rate}/s`, 'cpu/op', ((u.user + u.system) / 1000 / n).toFixed(3), 'ms', 'wall/op', ((performance.now() - t0) / n).toFixed(3));
}
await c.close();
