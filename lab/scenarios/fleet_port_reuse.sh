#!/usr/bin/env bash
# Fleet: a client host "reboots" and reconnects from the SAME source address and port. The first connection is lost
# on the client side with NO FIN and NO RST on the wire (host crash), and a few seconds later a new connection comes
# from the same IP and the same source port (40000) with a new initial sequence number -- as after a reboot of a
# host whose client pins its source port, or behind a SNAT that maps the new flow onto the same public port. It
# records what the broker's kernel does with a SYN on a 4-tuple it still has ESTABLISHED and whether the new AMQP
# connection opens. Recorded (Linux 6.18 on both ends): the broker answers the SYN with an RFC 5961 challenge ACK
# (the OLD connection's seq/ack/TSecr, no SYN flag); the new host's kernel, in SYN-SENT, answers that unacceptable
# ACK with a bare RST whose seq is the challenge ACK's ack number, exactly the broker's rcv_nxt, so it kills the
# broker's old socket (RabbitMQ logs "client unexpectedly closed TCP connection"); Linux then retransmits the SYN
# after TCP_TIMEOUT_MIN (~10 ms, not the 1 s SYN RTO: tcp_rcv_synsent_state_process re-arms the timer when it
# resets on a challenge ACK), which gets a SYN-ACK, and the new AMQP connection opens normally. The "reaped"
# variant is the same reconnect after the broker has already dropped the old connection (missed heartbeats:
# retransmitted heartbeat frames, then its RST into the void), so the SYN meets no socket and gets a SYN-ACK.
#
#   host side: bridge br-amqppr 10.95.0.1/24 (the broker listens on it; tcpdump on it = the broker's interface)
#   client "host": namespace prh, veth vprc 10.95.0.2/24, MAC 02:00:0a:5f:00:02 (a rebooted host keeps its MAC,
#                  so the broker's ARP entry stays valid), host-side peer vpr enslaved to the bridge.
#   "rest of the LAN": a veth port prlan on the bridge (its peer prlan-x is up and unused), so the bridge keeps
#                  its carrier while the host is gone (a bridge with no port is NO-CARRIER and the broker's packets
#                  would be dropped before tcpdump sees them), and a permanent neighbour entry 10.95.0.2 -> that MAC
#                  on the host (as if the client sat behind a router whose ARP entry stays valid: without it the
#                  broker's ARP entry for the vanished host fails after ~5 s and its later segments never reach the
#                  wire). While the host is gone the bridge floods the broker's segments to prlan: they are captured.
#
# The client (amqplib 0.10 in node, net.connect localAddress/localPort = 10.95.0.2:40000) is named
# nova-compute:PID:UUID, declares queue pr.q, consumes it with acks (prefetch 10) and publishes one message to it
# every 1 s. Steps (all inside one tcpdump on br-amqppr, via ../rec.sh):
#   1. client A starts (heartbeat HB: 60 s for `challenge`, 4 s for `reaped`), opens, runs ~5 s;
#   2. the host "crashes": an nft table `inet blackhole` in prh drops everything in and out, client A is SIGKILLed
#      (its FIN/RST is dropped by that table), its orphaned socket is destroyed with `ss -K` (the RST this sends is
#      dropped too), the namespace and the veth pair are deleted. Nothing reaches the wire; the broker's socket
#      stays ESTABLISHED.
#   3. challenge: ~3 s later the host is rebuilt (same namespace name, IP and MAC, new veth pair) and client B starts
#      from 10.95.0.2:40000 while the broker still holds A's socket.
#      reaped:    the script waits until the broker has no socket from 10.95.0.2:40000 any more (its heartbeat
#      timeout, 2-3 x 4 s, ends in the broker's RST into the void), then rebuilds the host ~2 s later and starts B.
#   4. ~10 s after B opened, the recording stops with B still open (B is SIGTERMed after the capture).
# The broker-side socket of the 4-tuple (ss) and the kernel's TcpExtTCPChallengeACK counter (nstat) are printed at
# each step, and the broker log lines about 10.95.0.2 at the end.
# Needs a broker listening on 10.95.0.1 (e.g. EXTRA_CONF='listeners.tcp.default = 5672' ../broker.sh start),
# nftables, LAB_NODE with amqplib (lab/README.md). Everything it builds is deleted on exit (trap).
# Usage: fleet_port_reuse.sh OUT.pcap [challenge|reaped]
set -u
here=$(cd "$(dirname "$0")" && pwd)
ns=prh; br=br-amqppr; brip=10.95.0.1; cip=10.95.0.2; mac=02:00:0a:5f:00:02; sport=40000
log=/tmp/fleet-port-reuse; node_dir=${LAB_NODE:-/tmp/amqp-lab/node}

rel() { echo "$(date +%s.%N) - $t0" | bc; }
now() { echo "$(date +%T.%N) (epoch $(date +%s.%N), +$(rel))"; }
tuple() { echo "  broker socket: [$(ss -Htn "( sport = :5672 and dst $cip and dport = :$sport )" | tr -s ' ' | tr '\n' ';')]" \
               "challenge ACKs sent so far: $(nstat -az TcpExtTCPChallengeACK | awk '/TCPChallengeACK/ {print $2}')"; }
host_up() {
  ip netns add $ns
  ip link add vpr type veth peer name vprc
  ip link set vprc netns $ns
  ip link set vpr master $br; ip link set vpr up
  ip netns exec $ns ip link set vprc address $mac
  ip netns exec $ns ip addr add $cip/24 dev vprc
  ip netns exec $ns ip link set vprc up; ip netns exec $ns ip link set lo up
  ethtool -K vpr tso off gso off gro off 2>/dev/null || true
  ip netns exec $ns ethtool -K vprc tso off gso off gro off 2>/dev/null || true
}
host_gone() {   # the host vanishes without a word on the wire
  ip netns exec $ns nft -f - <<'NFT'
table inet blackhole {
  chain in  { type filter hook input  priority 0; policy drop; }
  chain out { type filter hook output priority 0; policy drop; }
}
NFT
  kill -KILL "$1" 2>/dev/null; wait "$1" 2>/dev/null
  echo "  client-side sockets after SIGKILL: [$(ip netns exec $ns ss -Htan "( dport = :5672 )" | tr -s ' ' | tr '\n' ';')]"
  ip netns exec $ns ss -HtK "( dport = :5672 )" >/dev/null
  echo "  client-side sockets after ss -K:   [$(ip netns exec $ns ss -Htan "( dport = :5672 )" | tr -s ' ' | tr '\n' ';')]"
  ip netns del $ns; ip link del vpr 2>/dev/null || true
}
client() {   # client NAME HB: starts the amqplib client in $ns, waits until it has opened; sets $cpid
  ip netns exec $ns env LAB_NODE="$node_dir" node - "$brip" "$cip" "$sport" "$2" > "$log/$1.log" 2>&1 <<'JS' &
const amqp = require(process.env.LAB_NODE + '/node_modules/amqplib');
const { randomUUID } = require('crypto');
const [broker, src, port, hb] = [process.argv[2], process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
const name = `nova-compute:${process.pid}:${randomUUID()}`;
const log = m => console.log(`${new Date().toISOString()} ${name} ${m}`);
let conn;
(async () => {
  conn = await amqp.connect(`amqp://guest:guest@${broker}:5672?heartbeat=${hb}`,
    { localAddress: src, localPort: port, clientProperties: { connection_name: name } });
  conn.on('error', e => log(`error ${e.message}`)); conn.on('close', () => log('close event'));
  const ch = await conn.createChannel(); await ch.assertQueue('pr.q', { durable: false }); await ch.prefetch(10);
  await ch.consume('pr.q', m => ch.ack(m));
  log(`opened ${src}:${conn.connection.stream.localPort} -> ${broker}:5672 heartbeat ${hb}`);
  let n = 0;
  setInterval(() => ch.sendToQueue('pr.q', Buffer.from(`tick ${++n} from ${name}`)), 1000);
})().catch(e => { log(`connect failed ${e.message}`); process.exit(1); });
process.on('SIGTERM', async () => { try { await conn.close(); } catch (e) { log(`close failed ${e.message}`); } log('closed'); process.exit(0); });
JS
  cpid=$!
  for i in $(seq 100); do grep -q ' opened \| connect failed ' "$log/$1.log" && break; sleep 0.1; done
  echo "client $1 (pid $cpid): $(cat "$log/$1.log")"
}

if [[ ${1:-} == _run ]]; then        # the part inside the recording
  mode=$2; t0=$(date +%s.%N); hb=60; [[ $mode == reaped ]] && hb=4
  echo "start at $(now), mode $mode, heartbeat $hb"
  client A $hb; a=$cpid; tuple
  sleep 5
  echo "host vanishes at $(now)"; host_gone $a; echo "host gone at $(now)"; tuple
  if [[ $mode == reaped ]]; then
    while ss -Htn "( sport = :5672 and dst $cip and dport = :$sport )" | grep -q .; do sleep 0.1; done
    echo "broker has dropped the old socket at $(now)"; tuple
    sleep 2
  else
    sleep 3
  fi
  host_up; echo "host back (same IP, MAC) at $(now)"; tuple
  echo "client B starts at $(now)"; client B $hb; b=$cpid; echo "client B opened at $(now)"; tuple
  sleep 10; tuple; echo "recording ends at $(now), client B still open (pid $b)"
  echo $b > $log/b.pid
  exit 0
fi

out=$1; mode=${2:-challenge}
[[ $mode == challenge || $mode == reaped ]] || { echo "mode must be challenge or reaped"; exit 1; }
cleanup() {
  set +e
  [[ -f $log/b.pid ]] && { kill -TERM "$(cat $log/b.pid)" 2>/dev/null; sleep 1; }
  ip netns del $ns 2>/dev/null; ip link del vpr 2>/dev/null; ip link del prlan 2>/dev/null; ip link del $br 2>/dev/null
  true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
command -v nft >/dev/null || { echo "nft not found (apt-get install -y nftables)"; exit 1; }
[[ -f $node_dir/node_modules/amqplib/package.json ]] || { echo "no amqplib under $node_dir (lab/README.md)"; exit 1; }
ip link show $br >/dev/null 2>&1 && { echo "$br exists (a previous run?); ip link del $br"; exit 1; }
ss -ltnH | grep -Eq '(0\.0\.0\.0|\*|\[::\]|10\.95\.0\.1):5672 ' || { echo "no broker listening on $brip:5672"; exit 1; }
mkdir -p $log; rm -f $log/*
blog=${HOME:-/tmp/amqp-lab/rmq}/log/rabbit@localhost.log; n0=$(wc -l < "$blog" 2>/dev/null || echo 0)
set -e
ip link add $br type bridge; ip addr add $brip/24 dev $br; ip link set $br up
ip link add prlan type veth peer name prlan-x; ip link set prlan master $br; ip link set prlan up; ip link set prlan-x up
ip neigh replace $cip lladdr $mac dev $br nud permanent
ethtool -K $br tso off gso off gro off 2>/dev/null || true
host_up
set +e
IFACE=$br "$here/../rec.sh" "$out" -- "$here/fleet_port_reuse.sh" _run "$mode"
echo "broker log of this run:"; tail -n +$((n0 + 1)) "$blog" 2>/dev/null | grep -A1 '10\.95\.0\.2' | grep -v '^--'
