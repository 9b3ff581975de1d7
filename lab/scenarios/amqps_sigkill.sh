#!/usr/bin/env bash
# An idle pika AMQPS client (T=4, TLS TLSVER) is killed with SIGKILL ~5 s after it started: its kernel closes the
# socket (no TLS close_notify, no Connection.Close). Usage (under rec.sh): amqps_sigkill.sh [TLSVER=1.3] [delay=5]
set -u
here=$(dirname "$0"); py=/usr/bin/python3
ver=${1:-1.3}
CONN_NAME=amqps${ver/./}-sigkill $py "$here/amqps_pika.py" idle "$ver" 4 60 & c=$!
sleep "${2:-5}"
kill -KILL $c; echo "SIGKILL client (pid $c) at $(date +%T.%N)"; wait $c 2>/dev/null
exit 0
