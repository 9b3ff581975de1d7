#!/usr/bin/env bash
# Fleet after a credential rotation: one service still has the old password. A user `svc` (password `new-secret`,
# permissions ".*" ".*" ".*" on /) is created before the first client starts; every process logs in as `svc`.
# pika 1.2 service processes (fleet_client.py, T=4, reconnecting supervisor with --retry 1), one connection each,
# started 0.3 s apart in this order:
#   127.0.0.81: nova-conductor, consumer of `conductor` (right password);
#   127.0.0.82: neutron-server, publisher to `q-plugin`, with the OLD password `old-secret`;
#   127.0.0.82: heat-engine, consumer of `heat-engine` (right password);
#   127.0.0.82: neutron-server (second process), OLD password;
#   127.0.0.83: cinder-scheduler, consumer of `cinder-scheduler` (right password);
#   127.0.0.81: nova-conductor (second process), right password.
# Each neutron-server attempt gets Connection.Start and, after its Start-Ok, Connection.Close 403 ACCESS_REFUSED;
# its supervisor retries every ~1 s. ~15 s after the first neutron-server start every process is SIGTERMed (clean
# Connection.Close for the four healthy ones). The user is deleted on exit (trap, also on error or Ctrl-C); the
# driver refuses to run if `svc` already exists. rabbitmqctl talks to the node over Erlang distribution, not port
# 5672: nothing of it is on the capture. Needs RABBITMQ_MNESIA_BASE/HOME exported as for rabbitmqctl (lab/README.md).
# Usage (under rec.sh):
#   ./rec.sh $C/fleet-login-refused-storm.pcap -- scenarios/fleet_login_refused_storm.sh
set -u
here=$(dirname "$0"); py=/usr/bin/python3; log=/tmp/fleet-login-refused-storm; mkdir -p $log; rm -f $log/*
ctl() { rabbitmqctl -q -n rabbit@localhost "$@"; }
rel() { echo "$(date +%s.%N) - $t0" | bc; }
now() { echo "$(date +%T.%N) (epoch $(date +%s.%N), +$(rel))"; }
pids=(); t0=$(date +%s.%N); created=0
cleanup() {
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && kill -TERM "$p"; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  (( created )) && ctl delete_user svc && echo "user svc deleted (exit) at $(now)"
  echo "users at exit: $(ctl list_users | awk 'NR>1 {print $1}' | tr '\n' ' ')"
}
nap() { sleep "$1" & wait $!; }     # a signal's trap runs at once, not after the sleep
trap cleanup EXIT
trap 'exit 1' INT TERM
ctl status >/dev/null || { echo "rabbitmqctl cannot reach rabbit@localhost (RABBITMQ_MNESIA_BASE/HOME?)"; exit 1; }
ctl list_users | awk '{print $1}' | grep -qx svc && { echo "user svc already exists: not touching it"; exit 1; }
t0=$(date +%s.%N); echo "start at $(date +%T.%N) (epoch $t0)"
echo "add_user svc: calling at $(now)"; created=1
ctl add_user svc new-secret >/dev/null && ctl set_permissions -p / svc '.*' '.*' '.*' || exit 1
echo "user svc ready at $(now)"
fc() { local f=$1; shift; $py "$here/fleet_client.py" --hb 4 --retry 1 --user svc "$@" > "$log/$f.log" 2>&1 & pids+=($!); }
fc h81-conductor1 --src 127.0.0.81 --app nova-conductor --queue conductor --password new-secret; nap 0.3
echo "first neutron-server start at +$(rel)"; t1=$(date +%s.%N)
fc h82-neutron1 --src 127.0.0.82 --app neutron-server --role publisher --queue q-plugin --password old-secret; nap 0.3
fc h82-heat --src 127.0.0.82 --app heat-engine --queue heat-engine --password new-secret; nap 0.3
fc h82-neutron2 --src 127.0.0.82 --app neutron-server --role publisher --queue q-plugin --password old-secret; nap 0.3
fc h83-cinder --src 127.0.0.83 --app cinder-scheduler --queue cinder-scheduler --password new-secret; nap 0.3
fc h81-conductor2 --src 127.0.0.81 --app nova-conductor --queue conductor --password new-secret
echo "last start at +$(rel)"
while (( $(echo "$(date +%s.%N) - $t1 < 15" | bc) )); do nap 0.2; done
echo "SIGTERM all at $(now)"; kill -TERM "${pids[@]}"; wait "${pids[@]}"; echo "ended at $(now)"
for f in $log/*.log; do echo "== $(basename $f)"; cat "$f"; done
