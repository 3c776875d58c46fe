#!/bin/bash
# usage: cfg.sh WT LABEL [ENV=val...]: fresh server from worktree WT; warm-up, then create, list, health
wt=$1; label=$2; shift 2
pkill -f 'cli.ts serve'; sleep 2
rm -rf /tmp/s28/srv
(cd $wt && env CRONY_DATA_DIR=/tmp/s28/srv PORT=4555 HOST=127.0.0.1 CRONY_CONSOLE=false NODE_ENV=production CRONY_LOG_LEVEL=warn CRONY_ALLOWED_TARGET_HOSTS=127.0.0.1 "$@" nohup node --import tsx server/src/cli.ts serve > /tmp/s28/srv.log 2>&1 &)
for i in $(seq 1 60); do curl -sf localhost:4555/v1/health >/dev/null && break; sleep 0.5; done
sleep 1
B='{"name":"x","cron":"0 0 * * *","target":{"type":"http","url":"http://127.0.0.1:9/x","method":"POST"}}'
cd /tmp/s28
./rq.sh warm /v1/schedules POST "$B" > /dev/null
echo "== $label $*"
./rq.sh create /v1/schedules POST "$B"
./rq.sh list '/v1/schedules?limit=50'
./rq.sh health /v1/health
