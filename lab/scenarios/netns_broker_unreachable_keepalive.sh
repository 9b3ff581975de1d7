#!/usr/bin/env bash
# The BROKER becomes unreachable (the path dies in both directions, the broker process stays fine) in a deployment
# that DISABLED AMQP heartbeats (heartbeat=0, as OpenStack operators do with heartbeat_timeout_threshold=0) and relies
# on TCP keep-alive instead. Recorded on the client host's interface, like netns_broker_unreachable.sh (read that
# header first: the same bridge-port drop, the same reasons), with two clients in the one client namespace:
#   A  pika 1.2 consumer, connection_name nova-compute:PID:UUID4, heartbeat=0 (Tune-Ok heartbeat 0), keep-alive on
#      through pika's tcp_options {'TCP_KEEPIDLE': 3, 'TCP_KEEPINTVL': 1, 'TCP_KEEPCNT': 4} (pika/tcp_socket_opts.py
#      sets SO_KEEPALIVE and these three before connect()). Its kernel probes after 3 s without a received segment;
#      the broker's kernel ACKs each probe. After the cut the probes go unanswered, one a second; when TCP_KEEPCNT
#      (4) of them are out and the timer fires again the kernel sends a RST and the socket fails with ETIMEDOUT;
#      pika reports the lost stream and the client logs it, then reconnects every 2 s (each attempt's SYN and its
#      retransmissions go unanswered until pika's socket_timeout, 10 s by default, ends the attempt).
#   B  pika 1.2 consumer, connection_name cinder-volume:PID:UUID4, heartbeat=0, NO keep-alive: nothing on its
#      connection ever times out, so it sends nothing after the cut and notices nothing (it logs it if it does).
# The broker (heartbeat 0 negotiated, RabbitMQ 3.x's default tcp_listen_options have no keepalive) sends nothing
# either and keeps both connections (and A's reset one: the RST dies on the dead path) as ESTABLISHED ghosts.
# Recorded (Linux 6.18, pika 1.2.0, RabbitMQ 3.10.8, broker Tune heartbeat 60, both Tune-Oks 0): A's probe 3.0 s
# after Basic.Consume-Ok is ACKed by the broker; after the cut the next probe comes 3.0 s after that ACK, then one
# every ~1.02 s (4 in all), then the RST/ACK ~1.02 s after the 4th and pika's StreamLostError(TimeoutError(110))
# within 2 ms (5.7 s after the cut). Each reconnect attempt sends 7 SYNs in 7.1 s (1 s apart five times, then 2 s:
# net.ipv4.tcp_syn_linear_timeouts=4) and pika gives up 10 s after the attempt started (socket_timeout). Nothing
# from the broker after the cut (the nft egress counter stays 0); B sends nothing and logs nothing; the broker log
# has only the connections' accept/name/auth lines, and `rabbitmqctl list_connections` still shows both as running
# (timeout 0) after the recording and the trap.
#
#   host side: bridge br-amqpbk 10.93.0.1/24 (the broker listens on it)
#   client "host": namespace bkc, veth vbkc 10.93.0.2/24 (offloads off), its host-side peer vbk a port of the bridge
#   the dead path: netdev nft table `brokerunreachka` on the bridge port vbk dropping every IPv4 packet at ingress
#                  and egress (ARP left alone), added ONCE and left in place until tcpdump has stopped
# Timing: A connects (queue compute.bkc), then B (queue cinder-volume.bkc); the cut is put 4.5 s after A's
# Basic.Consume-Ok ("opened" in its log), i.e. 1.5 s after A's first keep-alive probe was ACKed and 1.5 s before
# the next probe (due 3 s after that ACK), so the cut falls in no handshake and no probe/ACK exchange.
# The recording goes on until A's second reconnect attempt has failed; A is then SIGTERMed (it is asleep between
# attempts, no socket open: nothing on the wire) and the recording ends ~2 s later. B keeps running until the trap
# kills it after tcpdump has stopped (after the nft table is deleted, so its FIN reaches the broker off-capture).
# Printed: each client's log (epoch times), the cut (wall-clock and epoch), ss on the client side (ss -tnoi in bkc)
# and the broker side (ss -tno on the host) every 2 s, and the broker log lines of this run for 10.93.0.2.
# Map epoch times to capture time by subtracting the first packet's (tshark -r F -c1 -T fields -e frame.time_epoch).
# Needs a broker listening on 10.93.0.1 (e.g. EXTRA_CONF='listeners.tcp.default = 5672' ../broker.sh start) and
# nftables. The namespace, veth pair, bridge and nft table are deleted on exit (trap).
# Usage: netns_broker_unreachable_keepalive.sh OUT.pcap
set -u
here=$(cd "$(dirname "$0")" && pwd); py=/usr/bin/python3
. "$here/../bridged-client.sh"
ns=bkc; br=br-amqpbk; hv=vbk; cv=vbkc; hip=10.93.0.1; cip=10.93.0.2; tbl=brokerunreachka
log=/tmp/netns-broker-unreachable-keepalive

# the client: argv = role (A|B) broker-address
client_py=$(cat <<'PY'
import os, sys, time, uuid, logging, pika
logging.basicConfig(level=logging.WARNING, format='%(created).6f %(name)s %(levelname)s %(message)s')
role, host = sys.argv[1], sys.argv[2]
def say(msg): print(f'{time.time():.6f} {msg}', flush=True)
if role == 'A':
    name, q = f'nova-compute:{os.getpid()}:{uuid.uuid4()}', 'compute.bkc'
    tcp = {'TCP_KEEPIDLE': 3, 'TCP_KEEPINTVL': 1, 'TCP_KEEPCNT': 4}
else:
    name, q, tcp = f'cinder-volume:{os.getpid()}:{uuid.uuid4()}', 'cinder-volume.bkc', None
params = pika.ConnectionParameters(host, heartbeat=0, tcp_options=tcp, client_properties={'connection_name': name})
n = 0
while True:
    what = 'connect' if n == 0 else f'reconnect {n}'
    say(f'{what}: connecting to {host}:5672 as {name} (heartbeat=0, tcp_options={tcp})')
    try:
        conn = pika.BlockingConnection(params)
        ch = conn.channel()
        ch.queue_declare(q)
        ch.basic_consume(q, on_message_callback=lambda c, m, p, b: c.basic_ack(m.delivery_tag))
        try:
            port = conn._impl._transport._sock.getsockname()[1]
        except Exception:
            port = '?'
        say(f'{what}: opened, local port {port}, consuming {q}')
        ch.start_consuming()
        say(f'{what}: start_consuming returned (?)')
    except Exception as e:
        say(f'{what}: connection failed: {e!r}')
        if role != 'A':
            sys.exit(1)
    n += 1
    time.sleep(2)
PY
)

if [[ ${1:-} == _run ]]; then        # the part inside the recording, run in namespace $ns; $2 = host netns path
  hostns=$2
  host() { nsenter --net="$hostns" "$@"; }
  sock() { echo "  client sockets: [$(ss -Htnoi "( dport = :5672 )" | tr -s ' \t' ' ' | tr '\n' ';')]"
          echo "  broker sockets: [$(host ss -Htno "( sport = :5672 and dst $cip )" | tr -s ' \t' ' ' | tr '\n' ';')]"; }
  $py -c "$client_py" A "$hip" > $log/a.log 2>&1 &
  a=$!
  for i in $(seq 100); do grep -qs 'connect: opened' $log/a.log && break; sleep 0.1; done
  $py -c "$client_py" B "$hip" > $log/b.log 2>&1 &
  b=$!
  for i in $(seq 100); do grep -qs 'connect: opened' $log/b.log && break; sleep 0.1; done
  echo "client A (pid $a): $(grep 'connect: opened' $log/a.log)"
  echo "client B (pid $b): $(grep 'connect: opened' $log/b.log)"; sock
  a0=$(awk '/connect: opened/ {print $1; exit}' $log/a.log)
  sleep 2; echo "$(date +%s.%N)"; sock
  sleep "$(echo "$a0 + 4.5 - $(date +%s.%N)" | bc)"
  host nft -f - <<NFT
table netdev $tbl {
  chain in  { type filter hook ingress device "$hv" priority 0; meta protocol ip counter drop; }
  chain out { type filter hook egress  device "$hv" priority 0; meta protocol ip counter drop; }
}
NFT
  echo "cut at $(date +%T.%N) (epoch $(date +%s.%N))"; sock
  n=0
  while kill -0 $a 2>/dev/null && ! grep -qs 'reconnect 2: connection failed' $log/a.log && (( n < 900 )); do
    sleep 0.1; (( ++n % 20 )) || { echo "$(date +%s.%N)"; sock; }
  done
  echo "A's second reconnect attempt failed (epoch $(date +%s.%N)); SIGTERM A"; kill $a; wait $a 2>/dev/null
  sock
  echo "client A log:"; cat $log/a.log
  echo "client B log (still running: $(kill -0 $b 2>/dev/null && echo yes || echo no)):"; cat $log/b.log
  sleep 0.5
  sock; host nft list table netdev $tbl
  echo "rec.sh stops tcpdump ~1.5 s after epoch $(date +%s.%N)"
  exit 0
fi

out=$1
cleanup() { bridged_client_cleanup $tbl $ns $br $hv; }
trap cleanup EXIT
trap 'exit 130' INT TERM
bridged_client_check $ns $br $hv $hip || exit 1
mkdir -p $log; rm -f $log/*
blog=${RABBITMQ_LOG_BASE:-/tmp/amqp-lab/rmq/log}/rabbit@localhost.log; n0=$(wc -l < "$blog" 2>/dev/null || echo 0)
set -e
bridged_client_up $ns $br $hv $cv $hip $cip
set +e
ip netns exec $ns env IFACE=$cv "$here/../rec.sh" "$out" -- "$here/netns_broker_unreachable_keepalive.sh" _run /proc/$$/ns/net
echo "broker's sockets to $cip now: [$(ss -Htno "( sport = :5672 and dst $cip )" | tr -s ' ' | tr '\n' ';')]"
echo "broker log of this run:"; tail -n +$((n0 + 1)) "$blog" 2>/dev/null | grep -A2 '10\.93\.0\.2' | grep -v '^--'
