#!/usr/bin/env bash
# A capture that starts mid-connection and ends with a missed-heartbeat reset. Not run under rec.sh: it calls rec.sh
# itself, because the client has to be connected before tcpdump starts.
#   1. pika `pika-midstream-idle` (T=4) connects and idles in process_data_events (pika_idle.py, 20 s);
#   2. ~3 s after its connection is ESTABLISHED, rec.sh starts tcpdump (no SYN, no handshake on the capture);
#   3. ~5 s into the capture the pika process is frozen with SIGSTOP; the broker resets it 2T-3T after its last byte;
#   4. once the connection is gone (polled with ss), the capture is stopped ~2 s later; then SIGKILL the process.
# Usage: pika_midstream_idle.sh OUT.pcap
set -u
here=$(cd "$(dirname "$0")" && pwd); py=/usr/bin/python3; out=$1
$py "$here/pika_idle.py" pika-midstream-idle 20 > /tmp/midstream-pika.log 2>&1 & p=$!
port=
for i in $(seq 100); do
  port=$(ss -tnpH state established '( dport = :5672 )' | grep "pid=$p," | awk '{print $3}' | sed 's/.*://' | head -1)
  [[ -n $port ]] && break; sleep 0.05
done
[[ -n $port ]] || { echo "pika did not connect"; kill -KILL $p; exit 1; }
echo "pika pid $p connected from port $port at $(date +%T.%N)"
sleep 3
"$here/../rec.sh" "$out" -- bash -c '
  p=$1 port=$2
  sleep 4
  kill -STOP $p; echo "SIGSTOP pika (pid $p) at $(date +%T.%N)"
  for i in $(seq 400); do   # up to 20 s for the broker to drop it
    ss -tnH state established "( sport = :5672 and dport = :$port )" | grep -q . || break; sleep 0.05
  done
  echo "connection gone (broker RST) at $(date +%T.%N)"
  sleep 0.5                 # rec.sh waits 1.5 s more before stopping tcpdump: ~2 s after the RST
' _ $p $port
kill -KILL $p; wait $p 2>/dev/null
echo "SIGKILL pika (pid $p); its log:"; cat /tmp/midstream-pika.log
