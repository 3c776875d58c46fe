import json,glob,sys,os
for d in sys.argv[1:]:
  for f in sorted(glob.glob(d+'/*.json')):
    x=json.load(open(f)); row=[os.path.basename(d)]
    for s in x['scenarios']:
      c=s['crony']; e=s['crony_extras']
      if s['name'] in ('spread','mixed'):
        row.append('%s p50/p99 %s/%s cpu %.2f el99 %s'%(s['name'],c['start_lateness_ms']['p50'],c['start_lateness_ms']['p99'],c['cpu_cores'],c['event_loop_delay_ms']['p99']))
        if e.get('api'):
          a=e['api']; row.append('list %s/%s create %s/%s'%(a['list']['latency_ms']['p50'],a['list']['latency_ms']['p99'],a['create']['latency_ms']['p50'],a['create']['latency_ms']['p99']))
        if e.get('commands'): row.append('cmd %s/s'%e['commands']['per_s_per_worker'])
        row.append('rss %s'%c['rss_mib_max'])
      if s['name']=='burst':
        row.append('burst %s ms %s/s cpu %.2f'%(c['drain_ms'],e['dispatch_runs_per_s'],c['cpu_cores']))
    print(' | '.join(row))
