#!/usr/bin/env bash
# F7 on a fleet: the stateful firewall of netns_middlebox_reset.sh (one router hop between the clients and the broker,
# nftables, 15 s conntrack idle timeout, loose pickup off) resets SEVERAL idle connections at about the same time,
# seen from the clients' side of the firewall.
#
#   namespace fmcl (3 client hosts)         namespace fmrt (router, ip_forward=1)                host (broker)
#   vfm-cl 10.97.1.2,.3,.4/24  <-veth->  vfm-rt1 10.97.1.1/24 | vfm-rt2 10.97.2.1/24  <-veth->  vfm-br 10.97.2.2/24
#
# The router's nft forward chain is the one of netns_middlebox_reset.sh: `ct state established,related` and new SYNs
# are accepted, any other TCP segment (a mid-stream segment of a flow whose conntrack entry has expired) is answered
# with `reject with tcp reset`; net.netfilter.nf_conntrack_tcp_timeout_established is FW_TIMEOUT (15 s) and
# nf_conntrack_tcp_loose=0. A forged RST leaves the router with its own TTL (64), the broker's packets arrive
# forwarded (TTL 63).
#
#   1. three pika 1.2 consumers, one process each, heartbeat=0 (Tune-Ok heartbeat 0), connection_name
#      `nova-compute:PID:UUID`, each bound to its own source address (10.97.1.2, .3, .4: three "compute hosts"),
#      started ~0.25 s apart; each declares (auto-delete) and consumes its own queue `compute.mbN` and idles in
#      process_data_events: nothing on the wire (no heartbeats, no keepalive);
#   2. FW_TIMEOUT s into the idle the router's conntrack entries expire, one after the other;
#   3. IDLE + 0.5 s after the first client started (0.5 s for Python's start-up and the handshake: ~25.4 s of idle
#      each), the three publish one message each to their own queue, at +0, +0.3 and +0.65 s (one wave: the ends are
#      less than 1 s apart): the router answers each Basic.Publish with a RST from 10.97.2.2:5672 (TTL 64) and pika
#      raises; each process then exits. The broker keeps its three half-open connections (it never sees the publish
#      or the RST) until it is stopped.
# The capture is tcpdump on vfm-cl inside fmcl (rec.sh under `ip netns exec fmcl`, IFACE=vfm-cl): the three client
# hosts' side of the firewall, ~26 s (the script takes ~40 s). Client logs go to /tmp/fleet-middlebox-reset/ and are
# printed at the end.
# Needs a broker listening on 10.97.2.2 (EXTRA_CONF='listeners.tcp.default = 5672' ../broker.sh start), and neither
# netns_middlebox_reset.sh nor anything else holding 10.97.2.2 at the same time. The namespaces (and with them the
# veths, the nft table and the sysctls) are deleted on exit.
# Usage: fleet_middlebox_reset.sh OUT.pcap [idle_s=25] [fw_timeout_s=15]
#        (fleet_middlebox_reset.sh --clients IDLE is the step rec.sh runs inside fmcl)
set -u
here=$(cd "$(dirname "$0")" && pwd); py=/usr/bin/python3; log=/tmp/fleet-middlebox-reset
srcs=(10.97.1.2 10.97.1.3 10.97.1.4); offs=(0 0.3 0.65)

if [[ ${1:-} == --clients ]]; then
  # Inside fmcl: three client processes; each publishes at its own absolute wall-clock time.
  idle=$2; t0=$(date +%s.%N); pids=()
  for i in 0 1 2; do
    pub_at=$(echo "$t0 + 0.5 + $idle + ${offs[$i]}" | bc)   # 0.5: python start-up and handshake
    $py - nova-compute "${srcs[$i]}" "$pub_at" "compute.mb$((i + 2))" 10.97.2.2 > $log/client$((i + 2)).log 2>&1 <<'PY' &
"""pika consumer with heartbeat=0, bound to source address SRC, named APP:PID:UUID: consumes QUEUE (auto-delete),
idles in process_data_events until PUB_AT (epoch seconds), publishes one message to QUEUE, reads 3 s more."""
import sys, os, time, uuid, socket, datetime, pika
app, src, pub_at, queue, host = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
port = None
_connect = socket.socket.connect
def _bound_connect(self, addr):
    global port
    if self.family == socket.AF_INET:
        try: self.bind((src, 0)); port = self.getsockname()[1]
        except OSError: pass
    return _connect(self, addr)
socket.socket.connect = _bound_connect
ts = lambda: datetime.datetime.now().strftime('%H:%M:%S.%f')
name = f'{app}:{os.getpid()}:{uuid.uuid4()}'
conn = pika.BlockingConnection(pika.ConnectionParameters(host, heartbeat=0, connection_attempts=1,
        client_properties={'connection_name': name}))
ch = conn.channel()
ch.queue_declare(queue, auto_delete=True)
ch.basic_consume(queue, lambda c, m, p, b: print(f'{ts()} delivery {b!r}', flush=True))
t0 = time.time()
print(f'{ts()} {name} {src}:{port} consuming {queue}, idle until {datetime.datetime.fromtimestamp(pub_at).strftime("%H:%M:%S.%f")}', flush=True)
try:
    while time.time() < pub_at:
        conn.process_data_events(time_limit=min(0.5, max(0.0, pub_at - time.time())))
    print(f'{ts()} {name} publishing one message', flush=True)
    ch.basic_publish('', queue, b'after-idle', pika.BasicProperties(message_id=f'{name}-1'))
    t1 = time.time()
    while time.time() - t1 < 3:
        conn.process_data_events(time_limit=0.5)
    conn.close(); print(f'{ts()} {name} closed cleanly (no middlebox?)', flush=True)
except Exception as e:
    print(f'{ts()} {name} {time.time() - t0:.3f}s after the idle began: {e!r}', flush=True)
PY
    pids+=($!)
    sleep 0.25
  done
  wait "${pids[@]}"
  echo "clients exited at $(date +%T.%N)"
  exit 0
fi

out=$1; idle=${2:-25}; fwt=${3:-15}; mon=
cleanup() {
  [[ -n $mon ]] && { kill $mon 2>/dev/null; wait $mon 2>/dev/null; }
  # anything still running in the client namespace was started by this script (an interrupted run)
  for p in $(ip netns pids fmcl 2>/dev/null); do kill $p 2>/dev/null; done
  ip netns del fmcl 2>/dev/null; ip netns del fmrt 2>/dev/null; ip link del vfm-br 2>/dev/null
  true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip -br addr | grep -q ' 10\.97\.2\.2/' && { echo "10.97.2.2 is already on an interface (netns_middlebox_reset.sh running?)"; trap - EXIT; exit 1; }
set -e
mkdir -p $log; rm -f $log/*
ip netns add fmcl; ip netns add fmrt
ip link add vfm-cl type veth peer name vfm-rt1
ip link add vfm-br type veth peer name vfm-rt2
ip link set vfm-cl netns fmcl; ip link set vfm-rt1 netns fmrt; ip link set vfm-rt2 netns fmrt
for a in "${srcs[@]}"; do ip netns exec fmcl ip addr add $a/24 dev vfm-cl; done
ip netns exec fmrt ip addr add 10.97.1.1/24 dev vfm-rt1
ip netns exec fmrt ip addr add 10.97.2.1/24 dev vfm-rt2
ip addr add 10.97.2.2/24 dev vfm-br
for l in lo vfm-cl; do ip netns exec fmcl ip link set $l up; done
for l in lo vfm-rt1 vfm-rt2; do ip netns exec fmrt ip link set $l up; done
ip link set vfm-br up
ip netns exec fmcl ip route add default via 10.97.1.1
ip route add 10.97.1.0/24 via 10.97.2.1 dev vfm-br
# offloads off: the capture shows wire-sized segments, not 64 kB super-segments
ip netns exec fmcl ethtool -K vfm-cl tso off gso off gro off 2>/dev/null || true
for l in vfm-rt1 vfm-rt2; do ip netns exec fmrt ethtool -K $l tso off gso off gro off 2>/dev/null || true; done
ethtool -K vfm-br tso off gso off gro off 2>/dev/null || true
ip netns exec fmrt nft -f - <<'NFT'
table inet middlebox {
  chain forward_idle {
    type filter hook forward priority 0; policy drop;
    ct state established,related counter accept
    tcp flags & (syn | ack | fin | rst) == syn ct state new counter accept
    meta l4proto tcp counter reject with tcp reset
  }
}
NFT
ip netns exec fmrt sysctl -qw net.ipv4.ip_forward=1 net.netfilter.nf_conntrack_tcp_timeout_established=$fwt \
  net.netfilter.nf_conntrack_tcp_loose=0
ip netns exec fmrt sysctl net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_loose
ss -ltnH | grep -Eq '(0\.0\.0\.0|\*|\[::\]|10\.97\.2\.2):5672 ' || { echo "no broker listening on 10.97.2.2:5672"; exit 1; }
set +e
# the router's conntrack entries for the AMQP flows, every 5 s (printed, not captured)
( for i in $(seq 8); do sleep 5; echo "$(date +%T.%N) conntrack:"; ip netns exec fmrt conntrack -L -p tcp --dport 5672 2>/dev/null; done ) & mon=$!
echo "clients start $(date +%T.%N)"
ip netns exec fmcl env IFACE=vfm-cl "$here/../rec.sh" "$out" -- "$here/fleet_middlebox_reset.sh" --clients "$idle"
kill $mon 2>/dev/null; wait $mon 2>/dev/null; mon=
cat $log/client*.log
echo "broker's connections from 10.97.1.0/24 still established (half-open): $(ss -tnH state established '( sport = :5672 )' dst 10.97.1.0/24 | wc -l)"
ip netns exec fmrt nft list chain inet middlebox forward_idle
