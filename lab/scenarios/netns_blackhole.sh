#!/usr/bin/env bash
# A client in namespace amqpcl (../netns.sh up) talks to the broker on 10.99.0.1:5672; a few seconds in, an nft
# table in the client's namespace drops every packet in both directions (the client host "vanishes").
# Usage (under IFACE=veth-amqp ../rec.sh): netns_blackhole.sh heartbeat|no-heartbeat|keepalive, then delete the nft table
#   heartbeat:    pika idle client, T=4; the broker's heartbeats are retransmitted, then it resets at 2T-3T.
#   no-heartbeat: pika consumer with heartbeat=0 while a publisher on 127.0.0.1 keeps the queue fed; the
#                 broker's deliveries are retransmitted until its kernel gives up (run with a low
#                 net.ipv4.tcp_retries2, set and restored by this script) -> {inet_error,etimedout} in the log.
#   keepalive:    idle pika client with heartbeat=0; broker started with tcp_listen_options.keepalive = true and
#                 short keep-alive sysctls (set and restored here): unanswered keep-alive probes, then the
#                 broker kernel's RST -> {inet_error,etimedout}.
set -u
here=$(dirname "$0"); py=/usr/bin/python3; mode=${1:-heartbeat}
cut() { ip netns exec amqpcl nft -f - <<'NFT'
table inet blackhole {
  chain in  { type filter hook input  priority 0; policy drop; }
  chain out { type filter hook output priority 0; policy drop; }
}
NFT
echo "cut at $(date +%T.%N)"; }
if [[ $mode == heartbeat ]]; then
  ip netns exec amqpcl $py "$here/pika_idle.py" netns-blackhole-heartbeat 40 10.99.0.1 & c=$!
  sleep 3; cut
  sleep 16                                  # RST expected 2T-3T (8-12 s) after the client's last byte
elif [[ $mode == keepalive ]]; then
  log=$HOME/log/rabbit@localhost.log; n0=$(grep -c 'inet_error,etimedout' "$log" 2>/dev/null)
  old=$(sysctl -n net.ipv4.tcp_keepalive_time net.ipv4.tcp_keepalive_intvl net.ipv4.tcp_keepalive_probes | tr '\n' ' ')
  sysctl -qw net.ipv4.tcp_keepalive_time=2 net.ipv4.tcp_keepalive_intvl=1 net.ipv4.tcp_keepalive_probes=3
  ip netns exec amqpcl $py - <<'PY' & c=$!
import time, pika
conn = pika.BlockingConnection(pika.ConnectionParameters('10.99.0.1', heartbeat=0,
        client_properties={'connection_name': 'netns-blackhole-keepalive'}))
ch = conn.channel(); t = time.time()
while time.time() - t < 120: conn.process_data_events(time_limit=0.5)
PY
  sleep 5; cut
  for i in $(seq 60); do (( $(grep -c 'inet_error,etimedout' "$log") > n0 )) && { echo "etimedout logged after ${i}s"; break; }; sleep 1; done
  sleep 2
  set -- $old; sysctl -qw net.ipv4.tcp_keepalive_time=$1 net.ipv4.tcp_keepalive_intvl=$2 net.ipv4.tcp_keepalive_probes=$3
else
  log=$HOME/log/rabbit@localhost.log; n0=$(grep -c 'inet_error,etimedout' "$log" 2>/dev/null)
  old=$(sysctl -n net.ipv4.tcp_retries2)
  sysctl -qw net.ipv4.tcp_retries2=5        # broker kernel gives up after 6 retransmissions (~17 s at a 200 ms initial RTO)
  ip netns exec amqpcl $py - <<'PY' & c=$!
import time, pika
conn = pika.BlockingConnection(pika.ConnectionParameters('10.99.0.1', heartbeat=0,
        client_properties={'connection_name': 'netns-blackhole-no-heartbeat'}))
ch = conn.channel(); ch.queue_declare('bh.q'); ch.basic_qos(prefetch_count=20)
ch.basic_consume('bh.q', lambda c, m, p, b: c.basic_ack(m.delivery_tag))
t = time.time()
while time.time() - t < 120: conn.process_data_events(time_limit=0.5)
PY
  sleep 1
  $py "$here/pika_publisher.py" bh-publisher bh.q 120 0.5 200 0 & p=$!   # on 127.0.0.1: not on the veth capture
  sleep 3; cut
  # wait for the broker to log the kernel's verdict on the consumer connection
  for i in $(seq 120); do (( $(grep -c 'inet_error,etimedout' "$log") > n0 )) && { echo "etimedout logged after ${i}s"; break; }; sleep 1; done
  sleep 2
  sysctl -qw net.ipv4.tcp_retries2="$old"; kill $p 2>/dev/null; wait $p 2>/dev/null
fi
kill -KILL $c 2>/dev/null; wait $c 2>/dev/null
# The nft table is left in place so the dead client's FIN stays off the wire until the capture has stopped;
# remove it afterwards: ip netns exec amqpcl nft delete table inet blackhole
