#!/usr/bin/env bash
# Fleet: the broker host DROPS new connection attempts (a firewall dropping SYNs, or a full listen/accept queue):
# the clients' SYNs get no answer at all (no SYN-ACK, no RST) and are retransmitted by their kernels. 9 pika
# clients (fleet_client.py, T=10, one process each, reconnecting supervisor: retry 1 s after a failure), 3 per host:
#   127.0.0.31: 2 x nova-conductor, consumers of `conductor`; 1 x nova-api, publisher to `conductor` (1 msg/s);
#   127.0.0.32: 2 x neutron-l3-agent, consumers of `l3_agent`; 1 x neutron-server, publisher to `l3_agent`;
#   127.0.0.33: 2 x glance-api, publishers to `notifications.info`; 1 x ceilometer-agent-notification, its consumer.
# ~5 s in, ONE nft table (`inet fleetsyndrop`) on the broker host's input hook drops TCP segments to port 5672 with
# SYN set and ACK not set (established connections are untouched); then `rabbitmqctl close_all_connections dropped`
# (Connection.Close 320 `CONNECTION_FORCED - dropped` to everyone) so that every client reconnects into the drop.
# pika's connect gives up after its socket_timeout (10 s; meanwhile the kernel retransmits the SYN, with Linux >= 6.5's
# net.ipv4.tcp_syn_linear_timeouts=4 at ~1, 2, 3, 4, 5 and 7 s), the supervisor logs "connect failed" and tries again
# 1 s later with a new SYN. The rule is deleted 11.5 s after close_all_connections returned (~12 s after it was
# added): between the clients' connect timeouts (~11 s after the 320) and their next attempts (~12 s), so each
# client's whole first attempt goes unanswered and its next one gets in; ~8 s later every client is SIGTERMed
# (clean Connection.Close). On lo tcpdump sees each SYN before netfilter's input hook drops it, so the
# dropped SYNs are on the capture. The table is ALWAYS deleted on exit (trap, also on error or Ctrl-C), and the
# clients SIGTERMed. Prints the wall-clock and epoch time of each step (before and after) and every client's log.
# Needs RABBITMQ_MNESIA_BASE/HOME exported as for rabbitmqctl (lab/README.md) and nftables. Usage (under rec.sh):
#   $py scenarios/pika_setup_queue.py conductor l3_agent notifications.info && \
#     ./rec.sh $C/fleet-syn-dropped.pcap -- scenarios/fleet_syn_dropped.sh
set -u
here=$(dirname "$0"); py=/usr/bin/python3; log=/tmp/fleet-syn-dropped; mkdir -p $log; rm -f $log/*
ctl() { rabbitmqctl -q -n rabbit@localhost "$@"; }
rel() { echo "$(date +%s.%N) - $t0" | bc; }
now() { echo "$(date +%T.%N) (epoch $(date +%s.%N), +$(rel))"; }
pids=(); t0=$(date +%s.%N)
cleanup() {
  if nft list table inet fleetsyndrop >/dev/null 2>&1; then
    nft delete table inet fleetsyndrop && echo "drop rule deleted (exit) at $(now)"
  fi
  echo "nft tables at exit: [$(nft list tables | tr '\n' ' ')]"
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && kill -TERM "$p"; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
}
nap() { sleep "$1" & wait $!; }     # a signal's trap runs at once, not after the sleep
trap cleanup EXIT
trap 'exit 1' INT TERM
command -v nft >/dev/null || { echo "nft not found (apt-get install -y nftables)"; exit 1; }
ctl status >/dev/null || { echo "rabbitmqctl cannot reach rabbit@localhost (RABBITMQ_MNESIA_BASE/HOME?)"; exit 1; }
nft list table inet fleetsyndrop >/dev/null 2>&1 && { echo "table inet fleetsyndrop already exists"; exit 1; }
t0=$(date +%s.%N); echo "start at $(date +%T.%N) (epoch $t0)"
fc() { local f=$1; shift; $py "$here/fleet_client.py" --hb 10 --retry 1 "$@" > "$log/$f.log" 2>&1 & pids+=($!); }
for i in 1 2; do fc h31-conductor$i --src 127.0.0.31 --app nova-conductor --role consumer --queue conductor; done
fc h31-api --src 127.0.0.31 --app nova-api --role publisher --queue conductor --interval 1
for i in 1 2; do fc h32-l3-agent$i --src 127.0.0.32 --app neutron-l3-agent --role consumer --queue l3_agent; done
fc h32-server --src 127.0.0.32 --app neutron-server --role publisher --queue l3_agent --interval 1
for i in 1 2; do fc h33-glance$i --src 127.0.0.33 --app glance-api --role publisher --queue notifications.info --interval 1; done
fc h33-ceilometer --src 127.0.0.33 --app ceilometer-agent-notification --role consumer --queue notifications.info
nap 5
echo "drop rule: adding at $(now)"
nft -f - <<'NFT' || exit 1
table inet fleetsyndrop {
  chain in { type filter hook input priority 0; policy accept; tcp dport 5672 tcp flags & (syn | ack) == syn drop; }
}
NFT
echo "drop rule: added at $(now)"; nft list table inet fleetsyndrop
echo "close_all_connections: calling at $(now)"; ctl close_all_connections "dropped"
echo "close_all_connections: returned at $(now)"
nap 11.5
echo "drop rule: deleting at $(now)"; nft delete table inet fleetsyndrop; echo "drop rule: deleted at $(now)"
nap 8
echo "SIGTERM all at $(now)"; kill -TERM "${pids[@]}"; wait "${pids[@]}"; echo "ended at $(now)"
for f in $log/*.log; do echo "== $(basename $f)"; cat "$f"; done
