#!/usr/bin/env bash
# fleet_netns.sh up|down: four client "hosts" for fleet_network_blackhole.sh, each its own network namespace
# (flh11..flh14, addresses 10.98.0.11-14/24) plugged by a veth pair into one bridge `br-amqpfl` that carries the
# broker's address 10.98.0.1/24 (the broker listens there too). tcpdump on br-amqpfl is a capture on the broker's
# interface: every host's traffic, and the broker's own transmissions even when the path beyond is cut.
# Offloads are off everywhere so the capture shows the segments as they are on the wire, not 64 kB super-segments.
set -eu
hosts="11 12 13 14"
case ${1:-up} in
up)
  ip link add br-amqpfl type bridge
  ip addr add 10.98.0.1/24 dev br-amqpfl; ip link set br-amqpfl up
  for h in $hosts; do
    ip netns add flh$h
    ip link add vfl$h type veth peer name vfl${h}c
    ip link set vfl${h}c netns flh$h
    ip link set vfl$h master br-amqpfl; ip link set vfl$h up
    ip netns exec flh$h ip addr add 10.98.0.$h/24 dev vfl${h}c
    ip netns exec flh$h ip link set vfl${h}c up
    ip netns exec flh$h ip link set lo up
    ethtool -K vfl$h tso off gso off gro off 2>/dev/null || true
    ip netns exec flh$h ethtool -K vfl${h}c tso off gso off gro off 2>/dev/null || true
  done
  ethtool -K br-amqpfl tso off gso off gro off 2>/dev/null || true
  ip -br addr show br-amqpfl;;
down)
  nft delete table bridge fleetcut 2>/dev/null || true
  for h in $hosts; do ip netns del flh$h 2>/dev/null || true; ip link del vfl$h 2>/dev/null || true; done
  ip link del br-amqpfl 2>/dev/null || true;;
esac
