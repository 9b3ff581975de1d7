#!/usr/bin/env bash
# The BROKER becomes unreachable from the client (the path dies in both directions, the broker process stays fine)
# and the CLIENT's own heartbeat timeout fires first on the client's side of the capture. Recorded on the client's
# interface, inside the client's namespace, so the capture shows what only the client host sees: the broker's last
# packet, then the client's next heartbeat (pika sends one every T/2), never ACKed, its kernel's retransmissions,
# no packet at all from the broker, and (not) how pika gives up
# (pika 1.2 checks every T+5 s whether any byte arrived in the last window: AMQPHeartbeatTimeout 9-18 s after the
# broker's last byte; it then shutdown()s and close()s the socket). Recorded (Linux 6.18, pika 1.2.0, RabbitMQ
# 3.10.8): only the first post-cut heartbeat reaches the wire; it is retransmitted with RTO back-off (0.2, 0.2, 0.4,
# 0.8, 1.7, 3.3 s); the later heartbeats wait in the send queue (cwnd 1 in loss state), and pika's close leaves NO
# trace on the wire: the FIN is queued behind them (FIN-WAIT-1, Send-Q 33 = 8 unACKed + 24 unsent + FIN), so the
# capture's last packet is a retransmission from before the give-up. The broker also misses the client's heartbeats
# and drops its end ~2 s after pika gave up, but nothing it sends crosses the dead path, so the capture cannot show it.
#
#   host side: bridge br-amqpbu 10.94.0.1/24 (the broker listens on it)
#   client "host": namespace buc, veth vbuc 10.94.0.2/24 (offloads off), its host-side peer vbu a port of the bridge;
#                  pika 1.2 idle client, heartbeat=4 (negotiated T=4 for both ends), connection_name
#                  netns-broker-unreachable
#   the dead path: a netdev-family nft table `brokerunreach` on the bridge port vbu drops every IPv4 packet at
#                  ingress (the client's segments, after they were on the client's wire and captured) and at
#                  egress (the broker's segments never reach the client's wire). ARP is left alone, so both
#                  neighbour entries stay valid and the client's kernel keeps putting retransmissions on the wire.
#                  The drop is on the bridge PORT, not on the broker's own interface: the bridge reports every
#                  transmit as done, so the broker's TCP stack sees no local drop (its segments "leave" and are lost,
#                  as on a dead link). A first take dropped at egress of the broker's own veth instead; the broker's
#                  kernel then saw the drops and RabbitMQ logged {inet_error,etimedout} ~9 s after the cut.
# Who gives up first, with T=4 on both ends: pika checks at +9, +18, ... s after its heartbeat checker started
# (the connection's Tune-Ok) and fails a check whose whole 9 s window had no byte from the broker; RabbitMQ checks
# every 4 s from about the same moment and drops the connection at the second check in a row without a byte from
# the client (a client heartbeat sent at +4k s arrives just after the broker's +4k check). The cut is therefore put
# at +9.4 s: the broker's last bytes are its +8 s heartbeat and ACK, pika fails its +18 s check; the client's last
# heartbeat to arrive is the +8 s one, so the broker would only act at its +20 s check. (A first take cut at +5 s:
# the broker dropped its end, invisibly, at +16 s, 2 s before pika gave up at +18 s.)
# Steps (inside one tcpdump on vbuc in buc, via ../rec.sh): the client connects and idles; the host table is
# added at +9.4 s ("cut", wall-clock and epoch printed); the client's socket (ss -tnoi in buc) and the broker's (ss -tno on
# the host) are printed every 2 s; when pika raises AMQPHeartbeatTimeout (printed with its epoch time) the script
# waits 1.5 s, rec.sh another 1.5 s.
# Map epoch times to capture time by subtracting the first packet's (tshark -r F -c1 -T fields -e frame.time_epoch).
# Needs a broker listening on 10.94.0.1 (e.g. EXTRA_CONF='listeners.tcp.default = 5672' ../broker.sh start) and
# nftables. The namespace, veth pair, bridge and nft table are deleted on exit (trap).
# Usage: netns_broker_unreachable.sh OUT.pcap
set -u
here=$(cd "$(dirname "$0")" && pwd); py=/usr/bin/python3
. "$here/../bridged-client.sh"
ns=buc; br=br-amqpbu; hv=vbu; cv=vbuc; hip=10.94.0.1; cip=10.94.0.2; log=/tmp/netns-broker-unreachable

if [[ ${1:-} == _run ]]; then        # the part inside the recording, run in namespace $ns; $2 = host netns path
  hostns=$2
  host() { nsenter --net="$hostns" "$@"; }
  sock() { echo "  client socket: [$(ss -Htnoi "( dport = :5672 )" | tr -s ' \t' ' ' | tr '\n' ';')]"
          echo "  broker socket: [$(host ss -Htno "( sport = :5672 and dst $cip )" | tr -s ' \t' ' ' | tr '\n' ';')]"; }
  $py - "$hip" > $log/client.log 2>&1 <<'PY' &
import sys, time, logging, pika
logging.basicConfig(level=logging.WARNING, format='%(created).6f %(name)s %(levelname)s %(message)s')
logging.getLogger('pika.heartbeat').setLevel(logging.DEBUG)
conn = pika.BlockingConnection(pika.ConnectionParameters(sys.argv[1], heartbeat=4,
        client_properties={'connection_name': 'netns-broker-unreachable'}))
ch = conn.channel()
print(f'{time.time():.6f} opened', flush=True)
t0 = time.time()
try:
    while time.time() - t0 < 90:
        conn.process_data_events(time_limit=0.5)
    conn.close(); print(f'{time.time():.6f} closed cleanly (no timeout?)', flush=True)
except Exception as e:
    print(f'{time.time():.6f} gave up {time.time() - t0:.3f}s after open: {e!r}', flush=True)
PY
  c=$!
  for i in $(seq 100); do grep -qs ' opened' $log/client.log && break; sleep 0.1; done
  echo "client (pid $c): $(grep ' opened' $log/client.log)"; sock
  # cut 9.4 s after pika started its heartbeat checker (the "timeout: 4 ..." line): just after pika's first check
  # (+9 s) and before the broker's heartbeat due at +10 s, so pika's next window (+9..+18 s) gets nothing
  hb0=$(awk '/check_interval/ {print $1; exit}' $log/client.log)
  sleep "$(echo "$hb0 + 9.4 - $(date +%s.%N)" | bc)"
  host nft -f - <<NFT
table netdev brokerunreach {
  chain in  { type filter hook ingress device "$hv" priority 0; meta protocol ip counter drop; }
  chain out { type filter hook egress  device "$hv" priority 0; meta protocol ip counter drop; }
}
NFT
  echo "cut at $(date +%T.%N) (epoch $(date +%s.%N))"; sock
  n=0
  while kill -0 $c 2>/dev/null; do sleep 0.1; (( ++n % 20 )) || { echo "$(date +%s.%N)"; sock; }; done
  wait $c
  echo "after the client gave up (epoch $(date +%s.%N)):"; sock
  echo "client log:"; cat $log/client.log
  sleep 1.3
  sock; host nft list table netdev brokerunreach
  echo "rec.sh stops tcpdump ~1.5 s after epoch $(date +%s.%N)"
  exit 0
fi

out=$1
cleanup() { bridged_client_cleanup brokerunreach $ns $br $hv; }
trap cleanup EXIT
trap 'exit 130' INT TERM
bridged_client_check $ns $br $hv $hip || exit 1
mkdir -p $log; rm -f $log/*
blog=${HOME:-/tmp/amqp-lab/rmq}/log/rabbit@localhost.log; n0=$(wc -l < "$blog" 2>/dev/null || echo 0)
set -e
bridged_client_up $ns $br $hv $cv $hip $cip
set +e
ip netns exec $ns env IFACE=$cv "$here/../rec.sh" "$out" -- "$here/netns_broker_unreachable.sh" _run /proc/$$/ns/net
echo "broker's sockets to $cip now: [$(ss -Htn "( sport = :5672 and dst $cip )" | tr -s ' ' | tr '\n' ';')]"
echo "broker log of this run:"; tail -n +$((n0 + 1)) "$blog" 2>/dev/null | grep -A2 '10\.94\.0\.2' | grep -v '^--'
