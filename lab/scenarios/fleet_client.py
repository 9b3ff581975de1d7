"""A fleet "service process": one or more pika 1.2 BlockingConnections from one client host (source address), named
like OpenStack services (connection_name APP:PID:UUID, a new UUID per connection), kept up by a reconnecting
supervisor like oslo.messaging's: on connection loss or a refused/failed connect, log "Trying again in 1 seconds",
wait RETRY s, connect again. SIGTERM: close every open connection cleanly (Connection.Close) and exit.

Usage: fleet_client.py --src 127.0.0.11 --app nova-compute [--role consumer|publisher|idle] [--conns 1]
         [--queue Q] [--interval 1.0] [--hb 4] [--user guest] [--password guest] [--attempts 0 (no limit)]
         [--retry 1] [--run 0 (until SIGTERM)] [--no-retry] [--host 127.0.0.1] [--stall-after S --stall-for W]
         [--blocked-timeout S]
--user / --password: the PLAIN credentials (default guest / guest).
--host: the broker's address (a client in a network namespace connects to the broker's veth/bridge address).
--stall-after S (consumer): S s after its first connection opened, the process publishes one message to its own
queue; the consumer callback acks it (the Basic.Ack is flushed at once) and then blocks W s (--stall-for) without
returning to pika's I/O loop, like a long-running RPC handler: the process's last AMQP bytes are that Basic.Ack, the
kernel keeps ACKing the broker's heartbeats. Only the first connection of the process stalls (once).
--blocked-timeout S: pika's blocked_connection_timeout (default: none, pika's default). S s after the broker's
Connection.Blocked, if no Unblocked came, pika raises ConnectionBlockedTimeout and drops the TCP connection without
Connection.Close; the supervisor logs it as a lost connection and reconnects RETRY s later.
Connection.Blocked / Unblocked received from the broker are logged ("blocked: REASON" / "unblocked").
Each connection of the process is pumped in turn (process_data_events(time_limit=0)), every ~50 ms.
Lines on stdout: wall-clock time, connection_name, what happened (opened / lost / refused / closed)."""
import argparse, os, signal, socket, sys, time, uuid
import pika

ap = argparse.ArgumentParser()
ap.add_argument('--src', required=True); ap.add_argument('--app', required=True)
ap.add_argument('--role', default='consumer', choices=['consumer', 'publisher', 'idle'])
ap.add_argument('--conns', type=int, default=1); ap.add_argument('--queue', default=None)
ap.add_argument('--interval', type=float, default=1.0); ap.add_argument('--hb', type=int, default=4)
ap.add_argument('--user', default='guest')
ap.add_argument('--password', default='guest'); ap.add_argument('--attempts', type=int, default=0)
ap.add_argument('--retry', type=float, default=1.0); ap.add_argument('--run', type=float, default=0)
ap.add_argument('--no-retry', action='store_true', help='one connection attempt per slot, no supervisor')
ap.add_argument('--host', default='127.0.0.1')
ap.add_argument('--stall-after', type=float, default=0); ap.add_argument('--stall-for', type=float, default=30)
ap.add_argument('--blocked-timeout', type=float, default=None)
a = ap.parse_args()
queue = a.queue or a.app

# Every 127.0.0.0/8 address is on lo: bind the client socket to this "host" before pika connects it.
_connect = socket.socket.connect
def _bound_connect(self, addr):
    if self.family == socket.AF_INET:
        try: self.bind((a.src, 0))
        except OSError: pass            # already bound (a retried connect on the same socket)
    return _connect(self, addr)
socket.socket.connect = _bound_connect

stop = False
def _term(*_):
    global stop; stop = True
signal.signal(signal.SIGTERM, _term)

def log(msg): print(f'{time.strftime("%H:%M:%S")}.{int(time.time() * 1000) % 1000:03d} {a.src} {msg}', flush=True)

class Slot:
    def __init__(self): self.conn = None; self.ch = None; self.name = None; self.next_try = 0.0; self.next_pub = 0.0; self.n = 0

attempts = 0
def connect(s):
    global attempts
    attempts += 1
    s.name = f'{a.app}:{os.getpid()}:{uuid.uuid4()}'
    extra = {} if a.blocked_timeout is None else {'blocked_connection_timeout': a.blocked_timeout}
    params = pika.ConnectionParameters(a.host, 5672, heartbeat=a.hb, connection_attempts=1,
                                       credentials=pika.PlainCredentials(a.user, a.password),
                                       client_properties={'connection_name': s.name}, **extra)
    t = time.time()
    try:
        s.conn = pika.BlockingConnection(params)
    except Exception as e:
        s.conn = None
        log(f'{s.name} connect failed after {time.time() - t:.3f}s: {e!r}. Trying again in {a.retry:g} seconds.')
        s.next_try = time.time() + a.retry
        return
    port = s.conn._impl._transport._sock.getsockname()[1] if hasattr(s.conn._impl, '_transport') else '?'
    log(f'{s.name} opened {a.src}:{port}')
    name = s.name
    s.conn.add_on_connection_blocked_callback(lambda c, m: log(f'{name} blocked: {m.method.reason}'))
    s.conn.add_on_connection_unblocked_callback(lambda c, m: log(f'{name} unblocked'))
    s.ch = s.conn.channel()
    s.ch.queue_declare(queue)
    if a.role == 'consumer':
        s.ch.basic_qos(prefetch_count=10)
        s.ch.basic_consume(queue, on_message)
    s.next_pub = time.time() + a.interval
    global stall_at
    if a.stall_after and stall_at is None: stall_at = time.time() + a.stall_after

stall_at = None     # when this process publishes the message whose callback blocks (--stall-after)
def on_message(ch, m, p, b):
    ch.basic_ack(m.delivery_tag)            # BlockingChannel.basic_ack flushes: on the wire before the block
    if b == b'stall':
        log(f'callback blocks for {a.stall_for:g} s (acked delivery {m.delivery_tag})')
        t = time.time()
        while time.time() - t < a.stall_for: time.sleep(0.5)   # never returns to the I/O loop meanwhile
        log('callback returns')

slots = [Slot() for _ in range(a.conns)]
end = time.time() + a.run if a.run else None
while not stop and (end is None or time.time() < end):
    for s in slots:
        if stop: break
        if s.conn is None:
            if a.no_retry and s.name is not None: continue
            if a.attempts and attempts >= a.attempts: continue
            if time.time() >= s.next_try: connect(s)
            continue
        try:
            if a.role == 'publisher' and time.time() >= s.next_pub:
                s.n += 1
                s.ch.basic_publish('', queue, b'{"oslo.version": "2.0", "oslo.message": "..."}',
                                   pika.BasicProperties(message_id=f'{s.name}-{s.n}'))
                s.next_pub += a.interval
            if stall_at is not None and time.time() >= stall_at:
                stall_at = float('inf')         # once per process
                s.ch.basic_publish('', queue, b'stall')
                log(f'{s.name} published the stall message to {queue}')
            s.conn.process_data_events(time_limit=0)
        except Exception as e:
            log(f'{s.name} lost: {e!r}. AMQP server on {a.host}:5672 is unreachable. Trying again in {a.retry:g} seconds.')
            s.conn = None; s.next_try = time.time() + a.retry
    if all(s.conn is None for s in slots) and (a.no_retry or (a.attempts and attempts >= a.attempts)):
        break
    time.sleep(0.05)
for s in slots:
    if s.conn is not None:
        try: s.conn.close(); log(f'{s.name} closed')
        except Exception as e: log(f'{s.name} close failed: {e!r}')
