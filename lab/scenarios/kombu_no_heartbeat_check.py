"""kombu (py-amqp) consumer with heartbeat=4 that loops on drain_events() but never calls
connection.heartbeat_check(): py-amqp only sends heartbeats from heartbeat_tick(), so the client sends nothing
and RabbitMQ drops it for missed heartbeats (2T-3T after its last byte). Usage: kombu_no_heartbeat_check.py [run_s=20]"""
import socket, sys, time
from kombu import Connection, Queue
run = float(sys.argv[1]) if len(sys.argv) > 1 else 20
conn = Connection('amqp://guest:guest@127.0.0.1:5672//', heartbeat=4,
                  transport_options={'client_properties': {'connection_name': 'kombu-no-heartbeat-check'}})
q = Queue('kombu.q')
def on_message(body, message):
    print('got', body, flush=True); message.ack()
with conn:
    with conn.Consumer(q, callbacks=[on_message]):
        end = time.time() + run
        try:
            while time.time() < end:
                try:
                    conn.drain_events(timeout=1)     # reads frames (server heartbeats too) but never heartbeat_check()
                except socket.timeout:
                    pass
        except Exception as e:
            print('connection lost:', repr(e), flush=True)
            sys.exit(0)
