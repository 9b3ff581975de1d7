#!/usr/bin/env bash
# Fleet against a vhost connection limit: `rabbitmqctl set_vhost_limits -p / '{"max-connections": 4}'`, then 8 pika
# service processes (fleet_client.py, T=4, reconnecting supervisor with --retry 1, user guest), one connection each,
# started 0.3 s apart, round-robin over 4 hosts:
#   127.0.0.71: 2 x nova-compute, consumers of `compute`;
#   127.0.0.72: 2 x neutron-openvswitch-agent, idle (channel and queue `neutron-openvswitch-agent`, no consumer);
#   127.0.0.73: 2 x cinder-volume, consumers of `cinder-volume`;
#   127.0.0.74: 2 x nova-scheduler, consumers of `scheduler`.
# Start order .71 .72 .73 .74 .71 .72 .73 .74: the first four (one per host) get in; each of the last four gets
# Connection.Start, Tune, and then, at Connection.Open, Connection.Close 530 NOT_ALLOWED ("connection limit (4) is
# reached"); its supervisor retries every ~1 s. 12 s after the last start the limit is cleared
# (`rabbitmqctl clear_vhost_limits -p /`): the retrying processes get in at their next attempt. 6 s later every
# process is SIGTERMed (clean Connection.Close). The limit is set before the first client starts (rabbitmqctl talks
# to the node over Erlang distribution, not port 5672: nothing of it is on the capture) and is ALWAYS cleared on
# exit (trap, also on error or Ctrl-C). The driver prints the wall-clock and epoch time of each rabbitmqctl call
# (before and after) and every client's log. Needs RABBITMQ_MNESIA_BASE/HOME exported as for rabbitmqctl
# (lab/README.md). Usage (under rec.sh):
#   ./rec.sh $C/fleet-connection-limit.pcap -- scenarios/fleet_connection_limit.sh
set -u
here=$(dirname "$0"); py=/usr/bin/python3; log=/tmp/fleet-connection-limit; mkdir -p $log; rm -f $log/*
ctl() { rabbitmqctl -q -n rabbit@localhost "$@"; }
rel() { echo "$(date +%s.%N) - $t0" | bc; }
now() { echo "$(date +%T.%N) (epoch $(date +%s.%N), +$(rel))"; }
pids=(); t0=$(date +%s.%N)
cleanup() {
  if [[ -n $(ctl list_vhost_limits -p /) ]]; then ctl clear_vhost_limits -p / && echo "vhost limits cleared (exit) at $(now)"; fi
  echo "vhost limits at exit: [$(ctl list_vhost_limits -p /)]"
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && kill -TERM "$p"; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
}
nap() { sleep "$1" & wait $!; }     # a signal's trap runs at once, not after the sleep
trap cleanup EXIT
trap 'exit 1' INT TERM
ctl status >/dev/null || { echo "rabbitmqctl cannot reach rabbit@localhost (RABBITMQ_MNESIA_BASE/HOME?)"; exit 1; }
n=$(ctl list_connections name | wc -l)
(( n == 0 )) || { echo "the broker already has $n connections: they would count against the limit"; exit 1; }
t0=$(date +%s.%N); echo "start at $(date +%T.%N) (epoch $t0)"
echo "limit set: calling at $(now)"; ctl set_vhost_limits -p / '{"max-connections": 4}' || exit 1
echo "limit set: returned at $(now)"; ctl list_vhost_limits
fc() { local f=$1; shift; $py "$here/fleet_client.py" --hb 4 --retry 1 "$@" > "$log/$f.log" 2>&1 & pids+=($!); }
for i in 1 2; do
  fc h71-compute$i --src 127.0.0.71 --app nova-compute --queue compute; nap 0.3
  fc h72-ovs-agent$i --src 127.0.0.72 --app neutron-openvswitch-agent --role idle; nap 0.3
  fc h73-volume$i --src 127.0.0.73 --app cinder-volume --queue cinder-volume; nap 0.3
  fc h74-scheduler$i --src 127.0.0.74 --app nova-scheduler --queue scheduler
  (( i == 1 )) && nap 0.3
done
echo "last start at +$(rel)"
nap 12
echo "limit clear: calling at $(now)"; ctl clear_vhost_limits -p /; echo "limit clear: returned at $(now)"
nap 6
echo "SIGTERM all at $(now)"; kill -TERM "${pids[@]}"; wait "${pids[@]}"; echo "ended at $(now)"
for f in $log/*.log; do echo "== $(basename $f)"; cat "$f"; done
