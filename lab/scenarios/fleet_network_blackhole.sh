#!/usr/bin/env bash
# Fleet, scope `network`: the path from three client hosts to the broker is cut at one moment, a fourth host keeps
# working. Needs fleet_netns.sh up (namespaces flh11..flh14 = hosts 10.98.0.11-14 on the bridge br-amqpfl, broker on
# 10.98.0.1) and a broker listening on 10.98.0.1:5672. Clients are pika (T=4, reconnecting supervisor, one process
# per connection): 10.98.0.11 2 x nova-compute consumers (queue compute), .12 neutron-l3-agent (l3_agent), .13
# cinder-volume (cinder-volume); .14 the healthy host: nova-conductor consumer (conductor) and nova-api publishing to
# conductor 1 msg/s. ~6 s in, ONE nft transaction on the broker host's bridge drops every IPv4 frame from and to .11,
# .12 and .13 (ARP still passes, like a router/ACL cut rather than a dead link): the broker's heartbeats to them go
# unanswered (no kernel ACK) and are retransmitted, and it resets each connection 2T-3T after that client's last
# byte. Once all three are gone (polled with ss), 2 s later the .14 clients are SIGTERMed (clean Close) and the cut
# clients SIGKILLed; the cut stays in place so their kernels' FINs stay off the capture (remove it after rec.sh:
# nft delete table bridge fleetcut, or fleet_netns.sh down).
# Usage (under IFACE=br-amqpfl rec.sh): fleet_network_blackhole.sh
set -u
here=$(dirname "$0"); py=/usr/bin/python3; log=/tmp/fleet-network-blackhole; mkdir -p $log; rm -f $log/*
cl() { local h=$1; shift; exec ip netns exec flh$h $py "$here/fleet_client.py" --host 10.98.0.1 --src 10.98.0.$h --hb 4 "$@"; }
rel() { echo "$(date +%s.%N) - $t0" | bc; }
t0=$(date +%s.%N)
cut=(); healthy=()
cl 14 --app nova-conductor --queue conductor > $log/h14-conductor.log 2>&1 & healthy+=($!)
cl 11 --app nova-compute --queue compute > $log/h11-compute1.log 2>&1 & cut+=($!)
cl 12 --app neutron-l3-agent --queue l3_agent > $log/h12-l3.log 2>&1 & cut+=($!)
sleep 0.2
cl 11 --app nova-compute --queue compute > $log/h11-compute2.log 2>&1 & cut+=($!)
cl 13 --app cinder-volume --queue cinder-volume > $log/h13-volume.log 2>&1 & cut+=($!)
cl 14 --app nova-api --role publisher --queue conductor > $log/h14-api.log 2>&1 & healthy+=($!)
sleep 6
nft -f - <<'NFT'
table bridge fleetcut {
  chain in  { type filter hook input  priority 0; policy accept; ether type ip ip saddr { 10.98.0.11, 10.98.0.12, 10.98.0.13 } drop; }
  chain out { type filter hook output priority 0; policy accept; ether type ip ip daddr { 10.98.0.11, 10.98.0.12, 10.98.0.13 } drop; }
}
NFT
echo "cut .11 .12 .13 at $(date +%T.%N) (+$(rel))"
for i in $(seq 300); do
  ss -Htn state established '( dst 10.98.0.11 or dst 10.98.0.12 or dst 10.98.0.13 )' | grep -q . || break; sleep 0.1
done
echo "broker has no connection from .11/.12/.13 at $(date +%T.%N) (+$(rel))"
sleep 2
kill -TERM "${healthy[@]}"; wait "${healthy[@]}"
echo "healthy closed at +$(rel)"
kill -KILL "${cut[@]}"; wait "${cut[@]}" 2>/dev/null
cat $log/*.log
