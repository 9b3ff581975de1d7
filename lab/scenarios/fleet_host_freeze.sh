#!/usr/bin/env bash
# Fleet: a whole client host freezes. Host 127.0.0.11 runs 3 nova-compute consumers, .12 2 nova-conductor, .13 2
# cinder-volume (pika, T=4, reconnecting supervisor, one process each); .14 runs heat-engine with a wrong password,
# refused (403) and retried every 1 s, 6 attempts. ~5 s in every process of .11 is SIGSTOPped together; once the
# broker has closed their 3 connections (missed heartbeats; polled with ss), 6 s later they are SIGCONTed: they find
# their sockets dead and reconnect 1 s later. Everything is closed cleanly (SIGTERM) ~35 s after the start.
# Usage (under rec.sh): fleet_host_freeze.sh
set -u
here=$(dirname "$0"); py=/usr/bin/python3; log=/tmp/fleet-host-freeze; mkdir -p $log; rm -f $log/*
t0=$(date +%s.%N)
pids=(); frozen=()
for i in 1 2 3; do $py "$here/fleet_client.py" --src 127.0.0.11 --app nova-compute --queue compute --hb 4 > $log/compute$i.log 2>&1 & frozen+=($!); pids+=($!); done
for i in 1 2; do $py "$here/fleet_client.py" --src 127.0.0.12 --app nova-conductor --queue conductor --hb 4 > $log/conductor$i.log 2>&1 & pids+=($!); done
for i in 1 2; do $py "$here/fleet_client.py" --src 127.0.0.13 --app cinder-volume --queue cinder-volume --hb 4 > $log/volume$i.log 2>&1 & pids+=($!); done
sleep 1
$py "$here/fleet_client.py" --src 127.0.0.14 --app heat-engine --role idle --hb 4 --password not-the-password --attempts 6 > $log/heat.log 2>&1 & heat=$!
sleep 4
kill -STOP "${frozen[@]}"; echo "SIGSTOP ${frozen[*]} (host .11) at +$(echo "$(date +%s.%N) - $t0" | bc)"
# wait until the broker has closed every connection of 127.0.0.11 (nothing established from it any more)
while ss -Htn state established src 127.0.0.11 dport = :5672 | grep -q .; do sleep 0.1; done
echo "host .11 connections gone at +$(echo "$(date +%s.%N) - $t0" | bc)"
sleep 6
kill -CONT "${frozen[@]}"; echo "SIGCONT at +$(echo "$(date +%s.%N) - $t0" | bc)"
wait $heat
while (( $(echo "$(date +%s.%N) - $t0 < 35" | bc) )); do sleep 0.2; done
kill -TERM "${pids[@]}"; wait "${pids[@]}"
echo "ended at +$(echo "$(date +%s.%N) - $t0" | bc)"
cat $log/*.log
