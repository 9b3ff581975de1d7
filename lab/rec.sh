#!/usr/bin/env bash
# rec.sh OUT [tcpdump options...] -- COMMAND...
# Records a packet capture with tcpdump while COMMAND runs, then stops tcpdump cleanly.
#   IFACE   interface to capture on (default lo; use the broker-side veth for namespace scenarios, "any" for SLL2)
#   FILTER  capture filter (default 'tcp port 5672')
# Extra tcpdump options (e.g. --time-stamp-precision=nano, -s 128) go before "--".
set -u
out=$1; shift
opts=()
while [[ $# -gt 0 && $1 != -- ]]; do opts+=("$1"); shift; done
shift   # drop "--"
rm -f "$out"
# -U: write each packet as it arrives; -B 64 MiB kernel buffer so bursts are not dropped.
tcpdump -i "${IFACE:-lo}" -U -B 65536 -w "$out" "${opts[@]}" ${FILTER:-tcp port 5672} 2>/tmp/rec-tcpdump.err &
tp=$!
sleep 1                       # let tcpdump open the interface before the scenario starts
"$@"; rc=$?
sleep 1.5                     # catch the last FIN/RST
kill -INT "$tp"; wait "$tp" 2>/dev/null
echo "recorded $out: $(tcpdump -r "$out" 2>/dev/null | wc -l) packets, $(stat -c %s "$out") bytes (scenario exit $rc)"
