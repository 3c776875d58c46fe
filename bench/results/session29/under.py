# usage: python3 under.py PROFILE LO HI FUNCTION [leaves [N]]
# Within seconds LO..HI of a .cpuprofile, the samples under FUNCTION (as name@file, e.g.
# body@validate.ts; with "leaves", a prefix such as safeParse@): by the frame just below it,
# or with "leaves" by the function on top of the stack.
import json, sys, collections
p = json.load(open(sys.argv[1])); lo = float(sys.argv[2]); hi = float(sys.argv[3]); target = sys.argv[4]
leaves = len(sys.argv) > 5 and sys.argv[5] == 'leaves'
nodes = {n['id']: n for n in p['nodes']}
parent = {}
for n in p['nodes']:
  for c in n.get('children', []): parent[c] = n['id']
def short(j):
  cf = nodes[j]['callFrame']; return (cf['functionName'] or 'anon') + '@' + cf['url'].split('/')[-1]
def full(j):
  cf = nodes[j]['callFrame']
  return (cf['functionName'] or 'anon') + '@' + cf['url'].split('node_modules/')[-1] + ':' + str(cf['lineNumber'] + 1)
t = p['startTime']; t0 = None; by = collections.Counter(); tot = 0; busy = 0
for s, d in zip(p['samples'], p['timeDeltas']):
  t += d; t0 = t0 or t; rel = (t - t0) / 1e6
  if rel < lo or rel >= hi or nodes[s]['callFrame']['functionName'] == '(idle)': continue
  busy += d
  j = s; below = None
  while j is not None:
    if (full(j).startswith(target) if leaves else short(j) == target): break
    below = j; j = parent.get(j)
  if j is None: continue
  tot += d
  by[full(s) if leaves else (short(below) if below is not None else '(self)')] += d
print('%s: %.1f%% of busy (%.0f ms)' % (target, 100 * tot / busy, tot / 1000))
for k, v in by.most_common(int(sys.argv[6]) if len(sys.argv) > 6 else 25): print('  %5.1f%% %s' % (100 * v / tot, k))
