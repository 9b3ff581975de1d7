"""pika 1.2 over TLS (AMQPS, 127.0.0.1:5671) with its session keys written to $SSLKEYLOGFILE, so that
`tshark -o tls.keylog_file:KEYS` (and amqpscope) can decrypt the capture.
Usage: amqps_pika.py MODE TLSVER [heartbeat=4] [secs]
  MODE idle           idle SECS (default 10) in process_data_events, then a clean close
  MODE long-callback  publish one message to amqps.q, consume it; the callback blocks SECS (default 20) without
                      returning to pika (like shared/lab/scenarios/pika_long_callback.py)
  MODE bad-cert       a default context (system CAs, hostname check) that does not trust the lab CA:
                      the handshake fails on the client side (certificate verify failed)
  TLSVER 1.3 or 1.2   the context's maximum_version (the broker offers both)
connection_name is $CONN_NAME, default amqps13-healthy-idle, amqps12-long-callback, ...
The CA is ${LAB_DIR:-/tmp/amqp-lab}/tls/ca.pem (shared/lab/broker.sh with TLS=1)."""
import os, ssl, sys, time, pika
mode, ver = sys.argv[1], sys.argv[2]
hb = int(sys.argv[3]) if len(sys.argv) > 3 else 4
secs = float(sys.argv[4]) if len(sys.argv) > 4 else (20 if mode == 'long-callback' else 10)
ca = os.path.join(os.environ.get('LAB_DIR', '/tmp/amqp-lab'), 'tls', 'ca.pem')
if mode == 'bad-cert':
    ctx = ssl.create_default_context()          # system trust store only: the lab CA is unknown
else:
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
ctx.maximum_version = ssl.TLSVersion.TLSv1_3 if ver == '1.3' else ssl.TLSVersion.TLSv1_2
if os.environ.get('SSLKEYLOGFILE'):
    ctx.keylog_filename = os.environ['SSLKEYLOGFILE']
name = os.environ.get('CONN_NAME') or f'amqps{ver.replace(".", "")}-{"healthy-idle" if mode == "idle" else mode}'
params = pika.ConnectionParameters('127.0.0.1', 5671, heartbeat=hb, connection_attempts=1,
                                   ssl_options=pika.SSLOptions(ctx, server_hostname='localhost'),
                                   client_properties={'connection_name': name})
t0 = time.time()
try:
    conn = pika.BlockingConnection(params)
except Exception as e:
    print(f'{name}: connect failed after {time.time() - t0:.3f}s: {e!r}', flush=True); sys.exit(0)
ch = conn.channel()
print(f'{name}: connected pid {os.getpid()}', flush=True)
if mode == 'idle':
    end = time.time() + secs
    while time.time() < end:
        conn.process_data_events(time_limit=0.5)
    conn.close(); print(f'{name}: closed cleanly', flush=True)
elif mode == 'long-callback':
    ch.queue_declare(queue='amqps.q')
    ch.basic_publish(exchange='', routing_key='amqps.q', body=b'test message for long processing times...')
    def callback(ch, method, properties, body):
        print(f'{name}: received {body!r}', flush=True)
        t1 = time.time()
        while time.time() - t1 < secs:
            time.sleep(0.5)
        try:
            ch.basic_ack(delivery_tag=method.delivery_tag); print(f'{name}: acked', flush=True)
        except Exception as e:
            print(f'{name}: ack failed after {time.time() - t0:.3f}s: {e!r}', flush=True); sys.exit(0)
    ch.basic_consume(queue='amqps.q', on_message_callback=callback, auto_ack=False)
    try:
        ch.start_consuming()
    except Exception as e:
        print(f'{name}: consume ended after {time.time() - t0:.3f}s: {e!r}', flush=True)
