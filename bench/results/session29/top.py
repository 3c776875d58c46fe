import json,sys,collections
p=json.load(open(sys.argv[1]))
nodes={n['id']:n for n in p['nodes']}
dt=collections.Counter()
for s,d in zip(p['samples'],p['timeDeltas']): dt[s]+=d
tot=sum(dt.values())
self=collections.Counter()
for i,t in dt.items():
  cf=nodes[i]['callFrame']; u=cf['url'].split('node_modules/')[-1]
  self[(cf['functionName'] or '(anon)')+' '+u+':'+str(cf['lineNumber'])]+=t
for k,v in self.most_common(int(sys.argv[2]) if len(sys.argv)>2 else 40): print('%5.1f%% %s'%(100*v/tot,k))
