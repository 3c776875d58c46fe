import json,sys,collections
p=json.load(open(sys.argv[1])); lo=float(sys.argv[2]); hi=float(sys.argv[3]); target=sys.argv[4]
nodes={n['id']:n for n in p['nodes']}
parent={}
for n in p['nodes']:
  for c in n.get('children',[]): parent[c]=n['id']
def name(j):
  cf=nodes[j]['callFrame']; return (cf['functionName'] or 'anon')+'@'+cf['url'].split('node_modules/')[-1]+':'+str(cf['lineNumber']+1)
t=p['startTime']; t0=None; leaf=collections.Counter(); tot=0
for s,d in zip(p['samples'],p['timeDeltas']):
  t+=d; t0=t0 or t; rel=(t-t0)/1e6
  if rel<lo or rel>=hi: continue
  j=s; hit=False
  while j is not None:
    if name(j).startswith(target): hit=True; break
    j=parent.get(j)
  if not hit: continue
  tot+=d; leaf[name(s)]+=d
print('%s: %.0f ms'%(target,tot/1000))
for k,v in leaf.most_common(int(sys.argv[5]) if len(sys.argv)>5 else 20): print('  %5.1f%% %s'%(100*v/tot,k))
