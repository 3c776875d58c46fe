#!/bin/bash
# usage: ab.sh NAME "bench args" dir1 dir2 ... : runs each dir in turn (dir = checkout), results in /tmp/s29/NAME/rK-<label>
name=$1; args=$2; shift 2
mkdir -p /tmp/s29/$name
k=0
for d in "$@"; do
  k=$((k+1)); label=$(basename $d)
  out=/tmp/s29/$name/r$k-$label
  mkdir -p $out
  echo "$(date +%T) r$k $label start" >> /tmp/s29/$name/progress
  (cd $d && timeout 1200 npm run -s bench -- $args --out $out > $out/log 2>&1)
  echo "$(date +%T) r$k $label done rc $?: $(grep -h 'API p99' $out/log | tail -1)" >> /tmp/s29/$name/progress
done
