#!/bin/bash
# usage: rq.sh LABEL PATH [METHOD] [BODY]: 200 req/s for 10 s; serve CPU per request
tok=$(grep -o 'crony_[A-Za-z0-9_-]*' /tmp/s29/srv/first-run-credentials.txt | head -1)
pid=$(pgrep -f 'cli.ts serve' | head -1)
cpu() { awk '{print $14+$15}' /proc/$pid/stat; }
a=$(cpu)
args=(-R 200 -d 10 -c 4 -H "authorization=Bearer $tok" -H "content-type=application/json" -j)
[ -n "$3" ] && args+=(-m $3)
[ -n "$4" ] && args+=(-b "$4")
/work/main/node_modules/.bin/autocannon "${args[@]}" "http://127.0.0.1:4555$2" > /tmp/s29/ac.json 2>/dev/null
b=$(cpu)
python3 -c "
import json;d=json.load(open('/tmp/s29/ac.json'));n=d['requests']['total'];print('%-12s n=%d  cpu/req=%.2f ms  p50=%s p99=%s  2xx=%d non2xx=%d'%('$1',n,($b-$a)*10/n,d['latency']['p50'],d['latency']['p99'],d['2xx'],d['non2xx']))"
