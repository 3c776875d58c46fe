import sys,glob,os
for d in sorted(glob.glob(sys.argv[1]+'/r*')):
    f=d+'/client.tsv'
    if not os.path.exists(f): continue
    rows=[l.rstrip('\n').split('\t') for l in open(f)]
    n=len(rows)//2
    out=[]
    for name,rs in (('lists',rows[:n]),('creates',rows[n:])):
        lat=sorted((int(r[4])-int(r[2]))/1000 for r in rs)
        q=lambda p: lat[min(len(lat)-1,int(len(lat)*p))]
        out.append('%s n=%d mean %.1f p50 %.1f p90 %.1f p95 %.1f p99 %.1f >50ms %d'%(name,len(lat),sum(lat)/len(lat),q(.5),q(.9),q(.95),q(.99),sum(1 for x in lat if x>50)))
    print(os.path.basename(d)); [print('  '+o) for o in out]
