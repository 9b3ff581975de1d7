#!/usr/bin/env bash
# Fleet: 112 mostly idle, healthy connections (T=6) from hosts 127.0.0.41-.45: per host one pika process with 12
# connections (fleet_client.py --conns 12) and one Node process with 10 amqplib connections (fleet_amqplib.cjs); a
# trickle of messages (8 pika publishers, one message every 2 s each). Two more single-connection pika processes:
# nova-compute on .41 is frozen with SIGSTOP ~5 s in (missed heartbeats), neutron-openvswitch-agent on .42 is
# SIGKILLed ~10 s in (client-aborted). Everything else closes cleanly (SIGTERM) ~28 s after the start; the frozen
# process is SIGKILLed after that (its socket was already reset by the broker). Usage (under rec.sh): fleet_many_healthy.sh
set -u
here=$(dirname "$0"); py=/usr/bin/python3; log=/tmp/fleet-many-healthy; mkdir -p $log; rm -f $log/*
t0=$(date +%s.%N); el() { echo "+$(echo "$(date +%s.%N) - $t0" | bc)"; }
pids=()
fc() { local f=$1; shift; $py "$here/fleet_client.py" --hb 6 "$@" > "$log/$f.log" 2>&1 & pids+=($!); }
nd() { node "$here/fleet_amqplib.cjs" "$@" 6 > "$log/node-$1.log" 2>&1 & pids+=($!); }
fc p41 --src 127.0.0.41 --app nova-compute --conns 12 --queue compute
fc p42 --src 127.0.0.42 --app neutron-openvswitch-agent --conns 12 --queue q-agent-notifier
fc p43 --src 127.0.0.43 --app cinder-volume --conns 12 --queue cinder-volume
fc p44c --src 127.0.0.44 --app nova-conductor --conns 8 --queue conductor
fc p44p --src 127.0.0.44 --app nova-conductor --conns 4 --role publisher --interval 2 --queue compute
fc p45p --src 127.0.0.45 --app nova-api --conns 4 --role publisher --interval 2 --queue conductor
fc p45i --src 127.0.0.45 --app nova-api --conns 4 --role idle
fc p45s --src 127.0.0.45 --app nova-scheduler --conns 4 --queue scheduler
for h in 41 42 43 44 45; do nd 127.0.0.$h metrics-exporter 10 metrics; done
$py "$here/fleet_client.py" --hb 6 --src 127.0.0.41 --app nova-compute --queue compute > $log/frozen.log 2>&1 & frozen=$!
$py "$here/fleet_client.py" --hb 6 --src 127.0.0.42 --app neutron-openvswitch-agent --queue q-agent-notifier > $log/killed.log 2>&1 & killed=$!
sleep 5
kill -STOP $frozen; echo "SIGSTOP nova-compute pid $frozen at $(el)"
sleep 5
kill -KILL $killed; echo "SIGKILL neutron-openvswitch-agent pid $killed at $(el)"
while (( $(echo "$(date +%s.%N) - $t0 < 28" | bc) )); do sleep 0.2; done
echo "SIGTERM all at $(el)"; kill -TERM "${pids[@]}"; wait "${pids[@]}"; echo "ended at $(el)"
kill -KILL $frozen; wait $frozen 2>/dev/null
cat $log/*.log | grep -c opened; grep -h -v opened $log/*.log | head -40
