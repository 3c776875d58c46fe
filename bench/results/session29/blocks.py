import json,sys,collections
p=json.load(open(sys.argv[1]))
nodes={n['id']:n for n in p['nodes']}
parent={}
for n in p['nodes']:
  for c in n.get('children',[]): parent[c]=n['id']
def label(i):
  # first app frame (server/src) walking up, else package
  j=i; pkg=None
  while j is not None:
    cf=nodes[j]['callFrame']; u=cf['url']
    if '/server/src/' in u and 'node_modules' not in u:
      return 'app:'+u.split('/server/src/')[1]+':'+(cf['functionName'] or 'anon')
    if pkg is None and 'node_modules/' in u: pkg='pkg:'+u.split('node_modules/')[-1].split('/')[0]
    j=parent.get(j)
  return pkg or ('native:'+(nodes[i]['callFrame']['functionName'] or '?'))
t=p['startTime']; ts=[]
for s,d in zip(p['samples'],p['timeDeltas']):
  t+=d; ts.append((t,s))
idle={n['id'] for n in p['nodes'] if n['callFrame']['functionName'] in ('(idle)',)}
t0=ts[0][0]
# busy fraction per second
per=collections.defaultdict(lambda:[0,0])
for k,(t,s) in enumerate(ts[1:],1):
  dt=t-ts[k-1][0]; sec=int((t-t0)/1e6)
  per[sec][0]+=dt; 
  if s not in idle: per[sec][1]+=dt
lo=int(sys.argv[2]) if len(sys.argv)>2 else 0; hi=int(sys.argv[3]) if len(sys.argv)>3 else 10**9
if len(sys.argv)<=2:
  print(' '.join('%d:%d'%(s,100*b/max(a,1)) for s,(a,b) in sorted(per.items())))
  sys.exit()
# blocks within [lo,hi) seconds
blocks=[];cur=None
for k,(t,s) in enumerate(ts[1:],1):
  rel=(t-t0)/1e6
  if rel<lo or rel>=hi: continue
  dt=t-ts[k-1][0]
  if s in idle:
    if cur: blocks.append(cur); cur=None
    continue
  if cur is None: cur={'start':rel,'dur':0,'lab':collections.Counter()}
  cur['dur']+=dt; cur['lab'][label(s)]+=dt
if cur: blocks.append(cur)
hist=collections.Counter()
for b in blocks: hist[min(int(b['dur']/5000)*5,100)]+=b['dur']
tot=sum(b['dur'] for b in blocks)
print('busy %.0f ms in %.0f s; by block length (ms bucket: share of busy):'%(tot/1000,hi-lo))
print(' '.join('%d:%.0f%%'%(k,100*v/tot) for k,v in sorted(hist.items())))
big=collections.Counter()
for b in blocks:
  if b['dur']>=15000: big.update(b['lab'])
bt=sum(big.values())
print('in blocks >=15 ms (%.0f ms):'%(bt/1000))
for k,v in big.most_common(40): print('  %5.1f%% %s'%(100*v/bt,k))
allc=collections.Counter()
for b in blocks: allc.update(b['lab'])
print('all busy:')
for k,v in allc.most_common(int(__import__("os").environ.get("N","25"))): print('  %5.1f%% %s'%(100*v/tot,k))
