#!/usr/bin/env bash
# F7: a stateful firewall with a short idle timeout, one router hop between an idle AMQP client and the broker,
# resets the idle connection with a TCP RST it forges in the name of the other end.
#
#   namespace mbcl                 namespace mbrt (router, ip_forward=1)           host (broker)
#   vmb-cl 10.97.1.2/24  <-veth->  vmb-rt1 10.97.1.1/24 | vmb-rt2 10.97.2.1/24  <-veth->  vmb-br 10.97.2.2/24
#
# In mbrt an nft forward chain accepts `ct state established,related` and new SYNs and answers any other TCP packet
# (a mid-stream segment of a flow whose conntrack entry has expired) with `reject with tcp reset`; conntrack's
# established timeout there is 15 s (net.netfilter.nf_conntrack_tcp_timeout_established) and loose pickup is off
# (nf_conntrack_tcp_loose=0), so a mid-stream ACK does not re-create the entry. The forged RST leaves the router
# with its own TTL (64) while the real peer's packets arrive forwarded (TTL 63).
#
#   1. pika consumer `netns-middlebox-reset` in mbcl, heartbeat=0 (pika_middlebox_idle.py), consumes mb.q, idles 25 s;
#   2. ~15 s into the idle the router's conntrack entry expires (nothing is on the wire: no heartbeats, no keepalive);
#   3. the client publishes one message: the router answers it with a RST from 10.97.2.2:5672 (TTL 64); pika raises;
#   4. (broker side) a publisher on 127.0.0.1 then puts one message on mb.q: the broker's Basic.Deliver to the ghost
#      consumer meets the expired flow too and the router answers it with a RST from 10.97.1.2 (TTL 64).
# The client-side capture (OUT) is tcpdump on vmb-cl inside mbcl (rec.sh, run here under `ip netns exec`); the
# optional BROKER_OUT is a simultaneous tcpdump on the host's vmb-br, kept running until the broker's RST.
# Needs a broker listening on 10.97.2.2 (e.g. EXTRA_CONF='listeners.tcp.default = 5672' ../broker.sh start).
# The namespaces (and with them the veths, nft table and sysctls) are deleted on exit.
# Usage: netns_middlebox_reset.sh OUT.pcap [BROKER_OUT.pcap] [idle_s=25] [fw_timeout_s=15]
set -u
here=$(cd "$(dirname "$0")" && pwd); py=/usr/bin/python3
out=$1; bout=${2:-}; idle=${3:-25}; fwt=${4:-15}; q=mb.q; bt=
cleanup() {
  [[ -n $bt ]] && { kill -INT $bt 2>/dev/null; wait $bt 2>/dev/null; }
  ip netns del mbcl 2>/dev/null; ip netns del mbrt 2>/dev/null; ip link del vmb-br 2>/dev/null
  true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
set -e
ip netns add mbcl; ip netns add mbrt
ip link add vmb-cl type veth peer name vmb-rt1
ip link add vmb-br type veth peer name vmb-rt2
ip link set vmb-cl netns mbcl; ip link set vmb-rt1 netns mbrt; ip link set vmb-rt2 netns mbrt
ip netns exec mbcl ip addr add 10.97.1.2/24 dev vmb-cl
ip netns exec mbrt ip addr add 10.97.1.1/24 dev vmb-rt1
ip netns exec mbrt ip addr add 10.97.2.1/24 dev vmb-rt2
ip addr add 10.97.2.2/24 dev vmb-br
for l in lo vmb-cl; do ip netns exec mbcl ip link set $l up; done
for l in lo vmb-rt1 vmb-rt2; do ip netns exec mbrt ip link set $l up; done
ip link set vmb-br up
ip netns exec mbcl ip route add default via 10.97.1.1
ip route add 10.97.1.0/24 via 10.97.2.1 dev vmb-br
# offloads off: the captures show wire-sized segments, not 64 kB super-segments
ip netns exec mbcl ethtool -K vmb-cl tso off gso off gro off 2>/dev/null || true
for l in vmb-rt1 vmb-rt2; do ip netns exec mbrt ethtool -K $l tso off gso off gro off 2>/dev/null || true; done
ethtool -K vmb-br tso off gso off gro off 2>/dev/null || true
ip netns exec mbrt nft -f - <<'NFT'
table inet middlebox {
  chain forward_idle {
    type filter hook forward priority 0; policy drop;
    ct state established,related counter accept
    tcp flags & (syn | ack | fin | rst) == syn ct state new counter accept
    meta l4proto tcp counter reject with tcp reset
  }
}
NFT
ip netns exec mbrt sysctl -qw net.ipv4.ip_forward=1 net.netfilter.nf_conntrack_tcp_timeout_established=$fwt \
  net.netfilter.nf_conntrack_tcp_loose=0
ip netns exec mbrt sysctl net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_loose
ss -ltnH | grep -Eq '(0\.0\.0\.0|\*|\[::\]|10\.97\.2\.2):5672 ' || { echo "no broker listening on 10.97.2.2:5672"; exit 1; }
set +e
if [[ -n $bout ]]; then
  rm -f "$bout"
  tcpdump -i vmb-br -U -B 65536 -w "$bout" tcp port 5672 2>/tmp/rec-tcpdump-broker.err & bt=$!
fi
# the router's conntrack entry for the AMQP flow, every 5 s (printed, not captured)
( for i in $(seq 8); do sleep 5; echo "$(date +%T.%N) conntrack: $(ip netns exec mbrt conntrack -L -p tcp --dport 5672 2>/dev/null | tr '\n' ' ')"; done ) & mon=$!
echo "client start $(date +%T.%N)"
ip netns exec mbcl env IFACE=vmb-cl "$here/../rec.sh" "$out" -- \
  $py "$here/pika_middlebox_idle.py" netns-middlebox-reset "$idle" $q 10.97.2.2
kill $mon 2>/dev/null; wait $mon 2>/dev/null
if [[ -n $bout ]]; then
  echo "host publisher (127.0.0.1) puts one message on $q at $(date +%T.%N)"
  $py - $q <<'PY'
import sys, pika
conn = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', client_properties={'connection_name': 'mb-host-publisher'}))
conn.channel().basic_publish('', sys.argv[1], b'to-the-ghost-consumer'); conn.close()
PY
  for i in $(seq 100); do
    ss -tnH state established '( sport = :5672 )' dst 10.97.1.2 | grep -q . || break; sleep 0.1
  done
  echo "broker's connection from 10.97.1.2 gone at $(date +%T.%N)"
  sleep 1.5
  kill -INT $bt; wait $bt 2>/dev/null; bt=
  echo "recorded $bout: $(tcpdump -r "$bout" 2>/dev/null | wc -l) packets"
fi
ip netns exec mbrt nft list chain inet middlebox forward_idle
