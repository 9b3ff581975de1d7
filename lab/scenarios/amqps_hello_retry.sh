#!/usr/bin/env bash
# An AMQPS (TLS 1.3) pika connection whose handshake goes through a HelloRetryRequest: the broker's TLS accepts only
# the group secp256r1 (advanced.config {supported_groups, [secp256r1]}, see lab/README.md), while Python's
# ClientHello carries a key share for X25519 only. The broker answers with a HelloRetryRequest, the client sends a
# middlebox-compatibility ChangeCipherSpec and a second ClientHello (key share P-256), and the handshake completes.
# Then `amqps_pika.py idle 1.3 4 10` (T=4): idle 10 s, heartbeats both ways, a clean Connection.Close.
# The client's TLS secrets go to $SSLKEYLOGFILE, which this script empties first.
# Usage (under rec.sh):
#   SSLKEYLOGFILE=$C/amqps13-hello-retry.keys FILTER='tcp port 5671' \
#     ./rec.sh $C/amqps13-hello-retry.pcap -- scenarios/amqps_hello_retry.sh
set -u
here=$(dirname "$0"); py=/usr/bin/python3
: "${SSLKEYLOGFILE:?set SSLKEYLOGFILE to the key log to write}"; : > "$SSLKEYLOGFILE"
export SSLKEYLOGFILE
CONN_NAME=amqps13-hello-retry $py "$here/amqps_pika.py" idle 1.3 4 "${1:-10}"
exit 0
