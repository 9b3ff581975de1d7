# Sourced by scenarios that put a client "host" in its own network namespace behind a bridge on the host:
#   bridged_client_up NS BR HV CV HIP CIP   namespace NS with veth CV (address CIP/24), its host-side peer HV a port
#                                           of bridge BR (address HIP/24: the broker listens there)
#   bridged_client_down NS BR HV            kills what runs in NS, deletes NS (and the veth pair with it) and BR
# The bridge PORT (HV) is where a scenario drops traffic to model a dead path: the bridge reports every transmit
# as done, so neither end's TCP stack sees a local drop (netns_broker_unreachable.sh explains why that matters).
bridged_client_up() {
  local ns=$1 br=$2 hv=$3 cv=$4 hip=$5 cip=$6
  ip netns add "$ns"
  ip link add "$hv" type veth peer name "$cv"
  ip link set "$cv" netns "$ns"
  ip link add "$br" type bridge; ip addr add "$hip/24" dev "$br"; ip link set "$br" up
  ip link set "$hv" master "$br"; ip link set "$hv" up
  ip netns exec "$ns" ip addr add "$cip/24" dev "$cv"
  ip netns exec "$ns" ip link set "$cv" up; ip netns exec "$ns" ip link set lo up
  # veth offloads would hand tcpdump 64 kB "super-segments"; turn them off so the capture shows real segments
  for l in "$br" "$hv"; do ethtool -K "$l" tso off gso off gro off 2>/dev/null || true; done
  ip netns exec "$ns" ethtool -K "$cv" tso off gso off gro off 2>/dev/null || true
}

bridged_client_down() {
  local ns=$1 br=$2 hv=$3
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
  ip netns del "$ns" 2>/dev/null; ip link del "$hv" 2>/dev/null; ip link del "$br" 2>/dev/null
  true
}

# Before a recording: nft at hand, no namespace or link left by an earlier run, a broker listening on HIP:5672.
bridged_client_check() {
  local ns=$1 br=$2 hv=$3 hip=$4 l
  command -v nft >/dev/null || { echo "nft not found (apt-get install -y nftables)"; return 1; }
  for l in "$br" "$hv"; do ip link show "$l" >/dev/null 2>&1 && { echo "$l exists (a previous run?); ip link del $l"; return 1; }; done
  ip netns list | grep -qw "^$ns" && { echo "namespace $ns exists (a previous run?); ip netns del $ns"; return 1; }
  ss -ltnH | grep -Eq "(0\.0\.0\.0|\*|\[::\]|${hip//./\\.}):5672 " || { echo "no broker listening on $hip:5672"; return 1; }
}

# The scenario's trap: its nft table TBL (netdev family, the dead path) deleted, then bridged_client_down.
bridged_client_cleanup() {
  local tbl=$1 ns=$2 br=$3 hv=$4
  set +e
  nft delete table netdev "$tbl" 2>/dev/null
  bridged_client_down "$ns" "$br" "$hv"
}
