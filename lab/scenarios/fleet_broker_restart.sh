#!/usr/bin/env bash
# Fleet: the broker application restarts under 12 clients on hosts 127.0.0.21-.23 (pika, T=10, one process each,
# reconnecting supervisor: retry every 1 s). ~5 s in `rabbitmqctl stop_app` (Connection.Close 320 to everyone, then
# RSTs; SYNs are answered with RST while the listener is down); ~8 s later `start_app`; the clients reconnect;
# ~10 s after that every client closes cleanly (SIGTERM). Usage (under rec.sh): fleet_broker_restart.sh
set -u
here=$(dirname "$0"); py=/usr/bin/python3; log=/tmp/fleet-broker-restart; mkdir -p $log; rm -f $log/*
ctl() { HOME=/tmp/amqp-lab/rmq rabbitmqctl -q -n rabbit@localhost "$@"; }
t0=$(date +%s.%N); el() { echo "+$(echo "$(date +%s.%N) - $t0" | bc)"; }
pids=()
cl() { $py "$here/fleet_client.py" --hb 10 "$@" > "$log/$2-$4-$RANDOM.log" 2>&1 & pids+=($!); }
for i in 1 2; do cl --src 127.0.0.21 --app nova-scheduler --role consumer --queue scheduler; done
for i in 1 2; do cl --src 127.0.0.21 --app nova-api --role publisher --queue scheduler --interval 1; done
for i in 1 2; do cl --src 127.0.0.22 --app neutron-dhcp-agent --role consumer --queue dhcp_agent; done
for i in 1 2; do cl --src 127.0.0.22 --app neutron-server --role publisher --queue dhcp_agent --interval 1; done
for i in 1 2; do cl --src 127.0.0.23 --app cinder-scheduler --role consumer --queue cinder-scheduler; done
for i in 1 2; do cl --src 127.0.0.23 --app cinder-api --role publisher --queue cinder-scheduler --interval 1; done
sleep 5
echo "stop_app at $(el)"; ctl stop_app; echo "stop_app returned at $(el)"
sleep 8
echo "start_app at $(el)"; ctl start_app; echo "start_app returned at $(el)"
sleep 10
echo "SIGTERM all at $(el)"; kill -TERM "${pids[@]}"; wait "${pids[@]}"; echo "ended at $(el)"
grep -h . $log/*.log | sort | grep -vc 'connect failed' ; grep -h 'connect failed' $log/*.log | wc -l
grep -h . $log/*.log | sort | grep -v 'connect failed'
