#!/usr/bin/env bash
# netns.sh up|down: a client network namespace "amqpcl" joined to the host by a veth pair that exists only
# inside this machine: host side veth-amqp 10.99.0.1/24 (the broker listens there), client side 10.99.0.2/24.
# Scenarios run clients with `ip netns exec amqpcl ...` and cut them off with nft rules inside that namespace.
set -eu
case ${1:-up} in
up)
  ip netns add amqpcl
  ip link add veth-amqp type veth peer name veth-amqpcl
  ip link set veth-amqpcl netns amqpcl
  ip addr add 10.99.0.1/24 dev veth-amqp; ip link set veth-amqp up
  ip netns exec amqpcl ip addr add 10.99.0.2/24 dev veth-amqpcl
  ip netns exec amqpcl ip link set veth-amqpcl up
  ip netns exec amqpcl ip link set lo up
  # veth offloads would hand tcpdump 64 kB "super-segments"; turn them off so the capture shows real segments
  ethtool -K veth-amqp tso off gso off gro off 2>/dev/null || true
  ip netns exec amqpcl ethtool -K veth-amqpcl tso off gso off gro off 2>/dev/null || true;;
down)
  ip netns del amqpcl 2>/dev/null || true       # deleting the namespace also removes the veth pair
  ip link del veth-amqp 2>/dev/null || true;;
esac
