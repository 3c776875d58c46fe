import sys,glob,os,collections
# Requests over 50 ms at the client by the moment of the second they were due (100 ms buckets);
# slots fall on whole seconds of the wall clock.
for pat in sys.argv[1:]:
    for d in sorted(glob.glob(pat)):
        f=d+'/client.tsv'
        if not os.path.exists(f): continue
        rows=[l.rstrip('\n').split('\t') for l in open(f)]
        n=len(rows)//2
        for name,rs in (('lists',rows[:n]),('creates',rows[n:])):
            b=collections.Counter(); tot=collections.Counter()
            for r in rs:
                due,ans=int(r[2]),int(r[4]); ph=(due//1000)%1000//100
                tot[ph]+=1
                if (ans-due)/1000>50: b[ph]+=1
            print('%-40s %-8s slow by 100 ms of the second: %s  (of %d)'%(d[-40:],name,' '.join('%3d'%b[i] for i in range(10)),sum(b.values())))
