#!/usr/bin/env bash
# Fleet, scope `clients`: three applications on three hosts stall one after the other (a long consumer callback that
# never returns to pika's I/O loop), while two other hosts stay healthy. pika, T=4, reconnecting supervisor, one
# process per connection, each socket bound to its host's 127.0.0.5x address:
#   127.0.0.51 nova-compute (queue compute), .52 neutron-l3-agent (l3_agent), .53 cinder-volume (cinder-volume):
#     started 0.6 s and 0.8 s apart; 6 s after its connection opened each publishes one message to its own queue,
#     whose callback acks it and then blocks 20 s: the stalls are as far apart as the connections (the broker's
#     heartbeat timer is anchored at each connection's tune, so the three closes keep that spacing, ~1.4 s < T);
#     the broker resets each 2T-3T after the Basic.Ack (its heartbeats ACKed by the kernel); when the callback
#     returns pika finds the socket reset and the supervisor reconnects 1 s later;
#   127.0.0.54 nova-conductor consumer (conductor), .55 nova-api publishing to conductor 1 msg/s: healthy.
# Everything is closed cleanly (SIGTERM) 33 s after the start.
# Usage (under rec.sh; FILTER="tcp port 5672 and net 127.0.0.48/29" keeps other users of a shared broker out):
#   fleet_clients_stalled.sh
set -u
here=$(dirname "$0"); py=/usr/bin/python3; log=/tmp/fleet-clients-stalled; mkdir -p $log; rm -f $log/*
rel() { echo "$(date +%s.%N) - $t0" | bc; }
t0=$(date +%s.%N); pids=()
cl() { exec $py "$here/fleet_client.py" --hb 4 "$@"; }
cl --src 127.0.0.54 --app nova-conductor --queue conductor > $log/h54-conductor.log 2>&1 & pids+=($!)
cl --src 127.0.0.51 --app nova-compute --queue compute --stall-after 6 --stall-for 20 > $log/h51-compute.log 2>&1 & pids+=($!)
sleep 0.6
cl --src 127.0.0.52 --app neutron-l3-agent --queue l3_agent --stall-after 6 --stall-for 20 > $log/h52-l3.log 2>&1 & pids+=($!)
cl --src 127.0.0.55 --app nova-api --role publisher --queue conductor > $log/h55-api.log 2>&1 & pids+=($!)
sleep 0.8
cl --src 127.0.0.53 --app cinder-volume --queue cinder-volume --stall-after 6 --stall-for 20 > $log/h53-volume.log 2>&1 & pids+=($!)
while (( $(echo "$(rel) < 33" | bc) )); do sleep 0.2; done
kill -TERM "${pids[@]}"; wait "${pids[@]}"
echo "ended at +$(rel)"
cat $log/*.log
