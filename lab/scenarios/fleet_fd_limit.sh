#!/usr/bin/env bash
# Fleet: a broker short of file descriptors (started with ULIMIT_N=110: rabbitmqctl status says sockets limit 9).
# 20 pika clients (T=6, one connection attempt each, no supervisor) on hosts 127.0.0.31-.34 connect one after the
# other, 0.3 s apart; the first ones get Connection.Start, the rest hang after their protocol header until pika
# gives up. Every connected client closes cleanly (SIGTERM) ~26 s after the start. Usage (under rec.sh): fleet_fd_limit.sh
set -u
here=$(dirname "$0"); py=/usr/bin/python3; log=/tmp/fleet-fd-limit; mkdir -p $log; rm -f $log/*
t0=$(date +%s.%N); el() { echo "+$(echo "$(date +%s.%N) - $t0" | bc)"; }
apps=(x nova-compute neutron-l3-agent cinder-volume heat-engine)
pids=()
for i in $(seq 0 19); do
  h=$(( i % 4 + 1 ))
  $py "$here/fleet_client.py" --src 127.0.0.3$h --app ${apps[$h]} --role idle --hb 6 --no-retry > $log/c$i.log 2>&1 & pids+=($!)
  sleep 0.3
done
while (( $(echo "$(date +%s.%N) - $t0 < 26" | bc) )); do sleep 0.2; done
echo "SIGTERM all at $(el)"; kill -TERM "${pids[@]}" 2>/dev/null; wait "${pids[@]}"; echo "ended at $(el)"
grep -h . $log/*.log | sort
