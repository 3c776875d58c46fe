import re,sys
d=sys.argv[1]
rows=[l.rstrip('\n').split('\t') for l in open(d+'/client.tsv')]
lists=rows[:2000]; creates=rows[2000:]
t0=int(lists[0][2])/1000
import os
for l in (open(d+'/serve.mixed') if os.path.exists(d+'/serve.mixed') else []):
    ts,msg=l.split('\t',1)
    if 'Mark' in msg and t0-5000<=int(ts)<=t0+25000:
        m=re.search(r'walltime since start of marking (\d+) ms',msg); print('major GC at %.0f ms (marking %s ms): %s'%(int(ts)-t0, m.group(1) if m else '?', msg.split(': ',1)[1][:60]))
def show(name,rs):
    lat=sorted((int(r[4])-int(r[2]))/1000 for r in rs)
    slow=[(int(r[2])/1000-t0,(int(r[4])-int(r[2]))/1000) for r in rs if (int(r[4])-int(r[2]))/1000>50]
    print(name,'p99 %.1f'%lat[int(len(lat)*0.99)-1],'over 50ms:',len(slow))
    # clusters
    cl=[];
    for t,v in sorted(slow):
        if cl and t-cl[-1][1]<300: cl[-1][1]=t; cl[-1][2]+=1; cl[-1][3]=max(cl[-1][3],v)
        else: cl.append([t,t,1,v])
    print('  clusters (start-end ms, n, max):',' '.join('%.0f-%.0f:%d:%.0f'%tuple(c) for c in cl))
show('lists',lists); show('creates',creates)
