#!/usr/bin/env bash
# Fleet variant of netns_broker_unreachable.sh: an OpenStack compute node loses its broker. ONE client host (a
# network namespace) holds four AMQP connections made by three libraries, named like OpenStack services; the path
# to the broker then dies in both directions for all of them at one moment (the broker process stays fine), and
# the capture, taken on the client host's interface, shows what only that host sees: each connection's last packet
# from the broker, the client's later heartbeats never ACKed, its kernel's retransmissions, no packet at all from
# the broker, how (and whether visibly) each library gives up, and what it does afterwards.
#
#   host side: bridge br-amqpbf 10.96.0.1/24 (the broker listens on it)
#   client "host": namespace bfc, veth vbfc 10.96.0.2/24 (offloads off), its host-side peer vbf a port of the bridge
#   the dead path: a netdev-family nft table `brokerunreachfleet` on the bridge port vbf drops every IPv4 packet at
#                  ingress and at egress, exactly as in netns_broker_unreachable.sh (see its header for why the drop
#                  is on the bridge port and why ARP is left alone)
#   the clients (all heartbeat=4, T=4 negotiated; each consumes its own auto-delete queue and otherwise idles):
#     nova-compute:PID:UUID x2   one pika 1.2 process (python3) with two BlockingConnections (same PID, two UUIDs),
#                                the second opened ~1 s after the first, both pumped with
#                                process_data_events(time_limit=0) every ~50 ms; pika's own heartbeat checker
#                                (every T+5 s) raises AMQPHeartbeatTimeout; pika closes the socket; no reconnect
#                                (the process exits when both are gone)
#     neutron-openvswitch-agent:PID:UUID   kombu 5.2 / py-amqp 5.1 driven as oslo.messaging's consume loop drives it
#                                (login AMQPLAIN, oslo's client_properties capabilities; loop: heartbeat_check(rate=2),
#                                then drain_events(timeout=1)), wrapped in kombu's Connection.ensure as oslo's
#                                ensure() does; after connecting, oslo's set_transport_socket_timeout(): socket
#                                timeout T and TCP_USER_TIMEOUT T*1000 ms. Two ways to give up: py-amqp's
#                                heartbeat_tick raises ConnectionForced('Too many heartbeats missed') 2T after the last
#                                byte it saw, or the kernel aborts the socket TCP_USER_TIMEOUT after its first unACKed
#                                send (py-amqp then reads EOF: OSError 'Server unexpectedly closed connection'). Either
#                                way kombu collect()s the connection (socket shutdown + close, no Connection.Close) and
#                                reconnects (interval 1, step 2, max 30 s; connect_timeout 5 s)
#     ceilometer-polling:PID:UUID   amqplib 0.10 (node): its heartbeat timer (every T) emits 'error' "Heartbeat
#                                timeout" after two misses in a row and end()s the socket; no reconnect
# Timing of the cut (as in the original): 9.4 s after the first pika connection's heartbeat checker started (its
# Tune-Ok), i.e. just after pika's first +9 s check and before the broker's heartbeat due at +10 s on that
# connection, so pika fails its +18 s check. The other connections' heartbeat phases differ (they opened up to ~1 s
# later): each one's last packet from the broker is whatever preceded the cut on it.
# Recorded (Linux 6.18, pika 1.2.0, kombu 5.2.4 / py-amqp 5.1.1, amqplib 0.10.9 on node 20, RabbitMQ 3.10.8): the
# broker's last packets on all four connections precede the cut (its heartbeats or its ACKs of the clients'
# heartbeats, 0.3-1.4 s before it); each client's next heartbeat is its first unanswered segment and is retransmitted
# with RTO back-off (0.2, 0.2, 0.4, 0.8, 1.7, 3.4 s), later heartbeats wait unsent behind it (cwnd 1). kombu gives
# up first, by TCP_USER_TIMEOUT (~4.45 s after its first unanswered heartbeat, before its own 2T heartbeat check would
# fire), reported as "Server unexpectedly closed connection"; the kernel drops the socket (no FIN, no RST, the socket is
# gone from ss) and kombu's reconnect SYNs follow at once (1 s apart: tcp_syn_linear_timeouts), a new attempt after
# each 5 s connect timeout + 1 s. amqplib gives up at its second missed 4 s check ("Heartbeat timeout") and end()s
# the socket, pika at its +18 s checks: their FINs are queued behind the unsent heartbeats (FIN-WAIT-1), so nothing
# marks the give-up on the wire and amqplib's connection even shows a retransmission after it. RabbitMQ drops all four
# for missed heartbeats within the recording, invisibly. (A first take without oslo's TCP_USER_TIMEOUT: py-amqp's
# default of 1000 ms killed kombu's socket ~1.4 s after its first unanswered heartbeat, same error text.)
# Steps (inside one tcpdump on vbfc in bfc, via ../rec.sh): the clients start together; once all four are open the
# cut is made at the moment above ("cut", wall-clock and epoch printed); the client's sockets (ss -tnoi in bfc) and
# the broker's (ss -tno on the host) are printed every 2 s; when every connection has given up (each client prints
# "gave up" with its epoch time) or 60 s after the cut, the script waits 1.5 s and rec.sh another 1.5 s. The client
# processes still alive (kombu reconnecting, node holding its half-closed socket) are killed after tcpdump stopped.
# After the recording the script waits (up to 40 s) until the broker has dropped its sockets to 10.96.0.2 and prints
# the broker log lines about 10.96.0.2.
# Map epoch times to capture time by subtracting the first packet's (tshark -r F -c1 -T fields -e frame.time_epoch).
# Needs a broker listening on 10.96.0.1 (e.g. EXTRA_CONF='listeners.tcp.default = 5672' ../broker.sh start),
# nftables, python3-pika and python3-kombu (Debian's /usr/bin/python3), LAB_NODE with amqplib (lab/README.md).
# The namespace, veth pair, bridge and nft table are deleted on exit (trap).
# Usage: fleet_broker_unreachable.sh OUT.pcap
set -u
here=$(cd "$(dirname "$0")" && pwd); py=/usr/bin/python3; node_dir=${LAB_NODE:-/tmp/amqp-lab/node}
. "$here/../bridged-client.sh"
ns=bfc; br=br-amqpbf; hv=vbf; cv=vbfc; hip=10.96.0.1; cip=10.96.0.2; tbl=brokerunreachfleet
log=/tmp/fleet-broker-unreachable; blog=/tmp/amqp-lab/rmq/log/rabbit@localhost.log

if [[ ${1:-} == _run ]]; then        # the part inside the recording, run in namespace $ns; $2 = host netns path
  hostns=$2
  host() { nsenter --net="$hostns" "$@"; }
  sock() { echo "  client sockets: [$(ss -Htnoi "( dport = :5672 )" | tr -s ' \t' ' ' | tr '\n' ';')]"
          echo "  broker sockets: [$(host ss -Htno "( sport = :5672 and dst $cip )" | tr -s ' \t' ' ' | tr '\n' ';')]"; }
  gaveup() { cat $log/*.log 2>/dev/null | grep -c ' gave up'; }

  # --- pika: nova-compute, two connections in one process ---
  $py - "$hip" > $log/pika.log 2>&1 <<'PY' &
import os, sys, time, uuid, logging, pika
logging.basicConfig(level=logging.WARNING, format='%(created).6f %(name)s %(levelname)s %(message)s')
logging.getLogger('pika.heartbeat').setLevel(logging.DEBUG)
host = sys.argv[1]
def log(m): print(f'{time.time():.6f} {m}', flush=True)
class Conn:
    def __init__(self, queue):
        self.name = f'nova-compute:{os.getpid()}:{uuid.uuid4()}'
        self.conn = pika.BlockingConnection(pika.ConnectionParameters(host, 5672, heartbeat=4, connection_attempts=1,
                        client_properties={'connection_name': self.name}))
        self.port = self.conn._impl._transport._sock.getsockname()[1]
        ch = self.conn.channel()
        ch.queue_declare(queue, auto_delete=True)
        ch.basic_consume(queue, lambda c, m, p, b: c.basic_ack(m.delivery_tag))
        log(f'{self.name} opened (pika {pika.__version__}, port {self.port}, '
            f'heartbeat {self.conn._impl.params.heartbeat}, queue {queue})')
live = [Conn('compute.bfc')]
second_at = time.time() + 1.0
while live:
    if second_at and time.time() >= second_at:
        second_at = None; live.append(Conn(f'reply_{uuid.uuid4().hex}'))
    for c in list(live):
        try:
            c.conn.process_data_events(time_limit=0)
        except Exception as e:
            log(f'{c.name} port {c.port} gave up: {e!r} (pika closed its socket; no reconnect)')
            live.remove(c)
    time.sleep(0.05)
log('pika process: no connection left, exiting')
PY
  # --- kombu: neutron-openvswitch-agent, driven like oslo.messaging ---
  $py - "$hip" > $log/kombu.log 2>&1 <<'PY' &
import os, sys, time, uuid, socket, kombu, amqp
from kombu import Connection, Queue
host = sys.argv[1]
def log(m): print(f'{time.time():.6f} {m}', flush=True)
name = f'neutron-openvswitch-agent:{os.getpid()}:{uuid.uuid4()}'
conn = Connection(f'amqp://guest:guest@{host}:5672//', heartbeat=4, login_method='AMQPLAIN', connect_timeout=5,
                  transport_options={'client_properties': {
                      'capabilities': {'authentication_failure_close': True, 'connection.blocked': True,
                                       'consumer_cancel_notify': True},
                      'connection_name': name}})
conn.connect()
port = conn.connection.sock.getsockname()[1]
consumer = conn.Consumer(Queue('q-agent-notifier-port-update.bfc', auto_delete=True),
                         callbacks=[lambda body, m: m.ack()])
consumer.consume()
# oslo.messaging's Connection.set_transport_socket_timeout(), called after every (re)connect: socket timeout T and
# TCP_USER_TIMEOUT T*1000 ms on the socket (replacing py-amqp's default TCP_USER_TIMEOUT of 1000 ms)
sock = conn.connection.sock
sock.settimeout(4)
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, 4000)
log(f'{name} opened (kombu {kombu.__version__}, py-amqp {amqp.__version__}, port {port}, '
    f'heartbeat {conn.connection.heartbeat}, TCP_USER_TIMEOUT '
    f'{sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT)} ms, queue q-agent-notifier-port-update.bfc)')
gave_up = False
def errback(exc, interval):
    global gave_up
    if not gave_up:
        gave_up = True
        log(f'{name} port {port} gave up: {exc!r} (kombu collect(): socket shutdown+close, no Connection.Close; '
            f'reconnecting as oslo.messaging does)')
    else:
        log(f'{name} reconnect attempt failed: {exc!r}; next attempt in {interval} s')
def once():                          # oslo.messaging Connection.consume()'s inner loop, one round
    conn.heartbeat_check(rate=2)
    try:
        conn.drain_events(timeout=1)
    except socket.timeout:
        pass
run = conn.ensure(conn, once, errback=errback, interval_start=1, interval_step=2, interval_max=30)
while True:
    run()
PY
  # --- amqplib: ceilometer-polling ---
  HOST=$hip NODE_DIR=$node_dir node - > $log/amqplib.log 2>&1 <<'JS' &
const dir = process.env.NODE_DIR + '/node_modules/amqplib';
const amqp = require(dir), ver = require(dir + '/package.json').version;
const { randomUUID } = require('crypto');
const host = process.env.HOST, q = 'ceilometer.polling.bfc';
const log = m => console.log(`${((performance.timeOrigin + performance.now()) / 1000).toFixed(6)} ${m}`);
(async () => {
  const name = `ceilometer-polling:${process.pid}:${randomUUID()}`;
  const c = await amqp.connect(`amqp://guest:guest@${host}:5672?heartbeat=4`, { clientProperties: { connection_name: name } });
  const port = c.connection.stream.localPort;
  c.on('error', e => log(`${name} port ${port} gave up: 'error' event: ${e.message}`));
  c.on('close', e => log(`${name} port ${port} 'close' event (${e ? e.message : 'no error'}); amqplib called socket.end()`));
  const ch = await c.createChannel();
  await ch.assertQueue(q, { durable: false, autoDelete: true });
  await ch.consume(q, m => ch.ack(m));
  log(`${name} opened (amqplib ${ver}, node ${process.version}, port ${port}, heartbeat ${c.connection.heartbeat}, queue ${q})`);
})().catch(e => log(`open failed: ${e.message}`));
JS
  for i in $(seq 100); do (( $(cat $log/*.log | grep -c ' opened (') >= 4 )) && break; sleep 0.1; done
  echo "clients opened:"; grep -h ' opened (' $log/*.log | sort; sock
  (( $(cat $log/*.log | grep -c ' opened (') >= 4 )) || { echo "NOT all four connections opened:"; cat $log/*.log; }
  # cut 9.4 s after the first pika connection's heartbeat checker started (its first "check_interval" line)
  hb0=$(awk '/check_interval/ {print $1; exit}' $log/pika.log)
  sleep "$(echo "$hb0 + 9.4 - $(date +%s.%N)" | bc)"
  host nft -f - <<NFT
table netdev $tbl {
  chain in  { type filter hook ingress device "$hv" priority 0; meta protocol ip counter drop; }
  chain out { type filter hook egress  device "$hv" priority 0; meta protocol ip counter drop; }
}
NFT
  cut=$(date +%s.%N)
  echo "cut at $(date -d @$cut +%T.%N) (epoch $cut; first pika heartbeat checker started at epoch $hb0)"; sock
  n=0
  while (( $(gaveup) < 4 )) && (( $(echo "$(date +%s.%N) < $cut + 60" | bc) )); do
    sleep 0.1; (( ++n % 20 )) || { echo "$(date +%s.%N)"; sock; }
  done
  echo "$(gaveup) of 4 connections gave up; now epoch $(date +%s.%N)"; sock
  for f in pika kombu amqplib; do echo "--- $f log:"; cat $log/$f.log; done
  sleep 1.5
  sock; host nft list table netdev $tbl
  echo "rec.sh stops tcpdump ~1.5 s after epoch $(date +%s.%N)"
  exit 0
fi

out=$1
cleanup() { bridged_client_cleanup $tbl $ns $br $hv; }
$py -c 'import pika, kombu' 2>/dev/null || { echo "$py lacks pika or kombu (apt-get install -y python3-pika python3-kombu)"; exit 1; }
[[ -d $node_dir/node_modules/amqplib ]] || { echo "no amqplib under $node_dir (set LAB_NODE, see lab/README.md)"; exit 1; }
bridged_client_check $ns $br $hv $hip || exit 1
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p $log; rm -f $log/*
n0=$(wc -l < "$blog" 2>/dev/null || echo 0)
set -e
bridged_client_up $ns $br $hv $cv $hip $cip
set +e
ip netns exec $ns env IFACE=$cv "$here/../rec.sh" "$out" -- "$here/fleet_broker_unreachable.sh" _run /proc/$$/ns/net
for i in $(seq 400); do ss -Htn "( sport = :5672 and dst $cip )" | grep -q . || break; sleep 0.1; done
echo "broker's sockets to $cip now (epoch $(date +%s.%N)): [$(ss -Htno "( sport = :5672 and dst $cip )" | tr -s ' ' | tr '\n' ';')]"
echo "broker log of this run:"; tail -n +$((n0 + 1)) "$blog" 2>/dev/null | grep -A2 '10\.96\.0\.2' | grep -v '^--'
