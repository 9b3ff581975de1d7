#!/usr/bin/env bash
# Fleet under a RabbitMQ memory alarm: Connection.Blocked reaches only the connections that publish while it lasts.
# pika 1.2, T=4, reconnecting supervisor, one process per connection, each socket bound to its host's 127.0.0.6x:
#   127.0.0.61: 2 x nova-conductor, publishers to `conductor`, 1 msg / 0.5 s each;
#   127.0.0.62: 2 x nova-api, publishers to `scheduler`, 1 msg / 0.5 s each;
#   127.0.0.63: nova-scheduler consumer of `scheduler`, nova-conductor-worker consumer of `conductor` (never publish);
#   127.0.0.64: cinder-volume, publisher to `cinder-volume` (1 msg / 0.5 s) with pika's blocked_connection_timeout=6:
#     6 s after each Connection.Blocked pika raises ConnectionBlockedTimeout and drops the socket (no Connection.Close),
#     the supervisor reconnects 1 s later and its next publish is blocked again while the alarm lasts;
#   127.0.0.65: heat-engine, idle (never publishes).
# ~5 s after every process has logged "opened" the alarm is set
# (set_vm_memory_high_watermark 0.00001), 18 s later cleared (0.4): long enough for cinder-volume to be blocked and
# time out twice and be blocked a third time, which the clear then unblocks. ~8 s after the clear every process is
# SIGTERMed (clean Connection.Close). The watermark is always set back to 0.4 on exit (trap).
# Needs RABBITMQ_MNESIA_BASE/HOME exported as for rabbitmqctl (lab/README.md).
# Usage (under rec.sh, after declaring and purging the queues outside the capture):
#   $py scenarios/pika_setup_queue.py conductor scheduler cinder-volume && ./rec.sh $C/fleet-memory-alarm.pcap -- scenarios/fleet_memory_alarm.sh
set -u
here=$(dirname "$0"); py=/usr/bin/python3; log=/tmp/fleet-memory-alarm; mkdir -p $log; rm -f $log/*
ctl() { rabbitmqctl -q -n rabbit@localhost "$@"; }
rel() { echo "$(date +%s.%N) - $t0" | bc; }
now() { echo "$(date +%T.%N) (epoch $(date +%s.%N), +$(rel))"; }
pids=(); t0=$(date +%s.%N)
cleanup() {
  ctl set_vm_memory_high_watermark 0.4 && echo "watermark 0.4 (exit) at $(now)"
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && kill -TERM "$p"; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
}
nap() { sleep "$1" & wait $!; }     # a signal's trap runs at once, not after the sleep
trap cleanup EXIT
trap 'exit 1' INT TERM
ctl status >/dev/null || { echo "rabbitmqctl cannot reach rabbit@localhost (RABBITMQ_MNESIA_BASE/HOME?)"; exit 1; }
t0=$(date +%s.%N); echo "start at $(date +%T.%N) (epoch $t0)"
fc() { local f=$1; shift; $py "$here/fleet_client.py" --hb 4 "$@" > "$log/$f.log" 2>&1 & pids+=($!); }
fc h63-scheduler --src 127.0.0.63 --app nova-scheduler --queue scheduler
fc h63-conductor-worker --src 127.0.0.63 --app nova-conductor-worker --queue conductor
fc h65-heat --src 127.0.0.65 --app heat-engine --role idle
for i in 1 2; do fc h61-conductor$i --src 127.0.0.61 --app nova-conductor --role publisher --interval 0.5 --queue conductor; done
for i in 1 2; do fc h62-api$i --src 127.0.0.62 --app nova-api --role publisher --interval 0.5 --queue scheduler; done
fc h64-volume --src 127.0.0.64 --app cinder-volume --role publisher --interval 0.5 --queue cinder-volume --blocked-timeout 6
# wait until all 8 processes have logged "opened"
for i in $(seq 100); do (( $(cat $log/*.log | grep -c ' opened ') >= 8 )) && break; sleep 0.1; done
echo "all opened ($(cat $log/*.log | grep -c ' opened ')) at +$(rel)"
nap 5
echo "alarm set: calling at $(now)"; ctl set_vm_memory_high_watermark 0.00001; echo "alarm set: returned at $(now)"
nap 18
echo "alarm clear: calling at $(now)"; ctl set_vm_memory_high_watermark 0.4; echo "alarm clear: returned at $(now)"
nap 8
echo "SIGTERM all at $(now)"; kill -TERM "${pids[@]}"; wait "${pids[@]}"; echo "ended at $(now)"
for f in $log/*.log; do echo "== $(basename $f)"; cat "$f"; done
