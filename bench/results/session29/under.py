import json,sys,collections
p=json.load(open(sys.argv[1])); lo=float(sys.argv[2]); hi=float(sys.argv[3]); target=sys.argv[4]
nodes={n['id']:n for n in p['nodes']}
parent={}
for n in p['nodes']:
  for c in n.get('children',[]): parent[c]=n['id']
def name(j):
  cf=nodes[j]['callFrame']; return (cf['functionName'] or 'anon')+'@'+cf['url'].split('/')[-1]
t=p['startTime']; t0=None; self=collections.Counter(); tot=0; busy=0
for s,d in zip(p['samples'],p['timeDeltas']):
  t+=d; t0=t0 or t; rel=(t-t0)/1e6
  if rel<lo or rel>=hi: continue
  if nodes[s]['callFrame']['functionName']=='(idle)': continue
  busy+=d
  # walk up to target; record the frame just below target (child) and leaf
  j=s; path=[]
  while j is not None:
    path.append(j)
    if name(j)==target: break
    j=parent.get(j)
  if j is None: continue
  tot+=d
  child=name(path[-2]) if len(path)>1 else '(self)'
  self[child]+=d
print('%s: %.1f%% of busy'%(target,100*tot/busy))
for k,v in self.most_common(25): print('  %5.1f%% %s'%(100*v/tot,k))
