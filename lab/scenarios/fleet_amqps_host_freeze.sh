#!/usr/bin/env bash
# Fleet over AMQPS (TLS 1.3, 127.0.0.1:5671): a whole client host freezes. Six fleet_client.py processes (pika 1.2,
# T=4, reconnecting supervisor, one connection each, connection_name APP:PID:UUID) on three loopback "hosts":
#   127.0.0.21  nova-compute (consumer, queue compute), neutron-agent (consumer, q-agent-notifier)   healthy
#   127.0.0.22  nova-compute (consumer, compute), cinder-volume (consumer, cinder-volume)             frozen
#   127.0.0.23  nova-api publishes one message a second to notifications.info, ceilometer-agent-notification
#               consumes it (prefetch 10, ack per message)                                             healthy
# fleet_client.py speaks plain AMQP to 5672; a small Python shim (below) runs it unchanged with pika's
# ConnectionParameters redirected to 5671 with an SSL context (lab CA, no hostname check, TLS 1.3 only, session
# secrets appended to $SSLKEYLOGFILE: one NSS key log for all processes; the driver empties it first).
# ~6 s after all six are connected both .22 processes are SIGSTOPped together; the driver polls ss until the broker has
# closed both connections (missed heartbeats), then SIGCONTs them 14 s after the SIGSTOP (or at once if the broker
# took longer): each finds its socket dead and its supervisor reconnects 1 s later from 127.0.0.22. ~8 s after both
# reconnections are open, every client is SIGTERMed and closes cleanly (Connection.Close 200) inside the capture.
# Prints the epoch time of each SIGSTOP/SIGCONT/close/SIGTERM, and every client log line prefixed with its epoch
# time (connecting = just before the TCP connect, opened = after Connection.Open-Ok, lost, closed), merged in order.
# Map epoch to capture time by subtracting the first packet's (tshark -r F -c1 -T fields -e frame.time_epoch).
# Usage (broker: TLS=1 ../shared/lab/broker.sh start; queues purged first):
#   $py scenarios/pika_setup_queue.py compute q-agent-notifier cinder-volume notifications.info && \
#   SSLKEYLOGFILE=$C/fleet-amqps-host-freeze.keys FILTER='tcp port 5671' \
#     ./rec.sh $C/fleet-amqps-host-freeze.pcap -- scenarios/fleet_amqps_host_freeze.sh
set -u
here=$(dirname "$0"); py=/usr/bin/python3; log=/tmp/fleet-amqps-host-freeze; mkdir -p $log; rm -f $log/*
: "${SSLKEYLOGFILE:?set SSLKEYLOGFILE to the key log to write}"; : > "$SSLKEYLOGFILE"
export SSLKEYLOGFILE LAB_DIR=${LAB_DIR:-/tmp/amqp-lab}
ep() { date +%s.%N | cut -c1-17; }     # epoch, microseconds
say() { echo "epoch $(ep) $*"; }

# The shim: TLS to 5671 for fleet_client.py, and an epoch prefix on its log lines (its own print() is shadowed).
shim='
import os, ssl, sys, time, runpy, pika
ctx = ssl.create_default_context(cafile=os.path.join(os.environ["LAB_DIR"], "tls", "ca.pem"))
ctx.check_hostname = False
ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
ctx.keylog_filename = os.environ["SSLKEYLOGFILE"]
_CP, _BC = pika.ConnectionParameters, pika.BlockingConnection
def CP(host, port, **kw):
    return _CP(host, 5671, ssl_options=pika.SSLOptions(ctx, server_hostname="localhost"), **kw)
def eprint(*a, **kw):
    print("epoch %.6f pid %d" % (time.time(), os.getpid()), *[str(x).replace(":5672 is", ":5671 is") for x in a], **kw)
def BC(params):
    eprint("connecting", params.client_properties.get("connection_name"), flush=True)
    return _BC(params)
pika.ConnectionParameters, pika.BlockingConnection = CP, BC
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__", init_globals={"print": eprint})
'
client() { exec $py -c "$shim" "$here/fleet_client.py" --hb 4 "$@"; }   # only run in the background: $! is python

pids=(); frozen=()
client --src 127.0.0.21 --app nova-compute --queue compute > $log/21-compute.log 2>&1 & pids+=($!)
client --src 127.0.0.21 --app neutron-agent --queue q-agent-notifier > $log/21-neutron.log 2>&1 & pids+=($!)
client --src 127.0.0.22 --app nova-compute --queue compute > $log/22-compute.log 2>&1 & pids+=($!); frozen+=($!)
client --src 127.0.0.22 --app cinder-volume --queue cinder-volume > $log/22-volume.log 2>&1 & pids+=($!); frozen+=($!)
client --src 127.0.0.23 --app ceilometer-agent-notification --queue notifications.info > $log/23-ceilometer.log 2>&1 & pids+=($!)
client --src 127.0.0.23 --app nova-api --role publisher --interval 1 --queue notifications.info > $log/23-nova-api.log 2>&1 & pids+=($!)
say "started pids ${pids[*]} (.22: ${frozen[*]})"
opened() { cat $log/*.log | grep -c ' opened '; }
for i in $(seq 100); do (( $(opened) >= 6 )) && break; sleep 0.1; done
say "all $(opened) connections opened"
sleep 6
say "SIGSTOP ${frozen[*]} (host 127.0.0.22)"; kill -STOP "${frozen[@]}"; tstop=$(ep)
# wait until the broker has closed both connections of 127.0.0.22 (nothing established from it any more), max 40 s
n=2
for i in $(seq 400); do
  c=$(ss -Htn state established src 127.0.0.22 dport = :5671 | wc -l)
  (( c < n )) && { say "host .22: $c connection(s) still established (broker closed $((n - c)))"; n=$c; }
  (( c == 0 )) && break; sleep 0.1
done
while (( $(echo "$(ep) - $tstop < 14" | bc) )); do sleep 0.05; done
say "SIGCONT ${frozen[*]}"; kill -CONT "${frozen[@]}"
for i in $(seq 100); do (( $(opened) >= 8 )) && break; sleep 0.1; done
say "$(opened) opened in all (6 + reconnections)"
sleep 8
say "SIGTERM all: clean close"; kill -TERM "${pids[@]}"; wait "${pids[@]}"
say "all clients exited"
echo "--- client logs, merged by epoch ---"
sort -n -k2 $log/*.log
