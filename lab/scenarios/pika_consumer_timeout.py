"""pika consumer that never acks its one message while the broker runs with consumer_timeout = 5000 (and
channel_tick_interval 1000): the broker closes the channel with 406 PRECONDITION_FAILED; the connection stays up
(the I/O loop keeps heartbeating) and the client closes it cleanly later. Usage: pika_consumer_timeout.py [run_s=14]"""
import sys, time, pika
run = float(sys.argv[1]) if len(sys.argv) > 1 else 14
conn = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', heartbeat=4,
        client_properties={'connection_name': 'pika-consumer-timeout'}))
ch = conn.channel()
ch.queue_declare('ct.q')
ch.basic_publish('', 'ct.q', b'a job that is never acked', pika.BasicProperties(message_id='ct-1'))
ch.basic_consume('ct.q', lambda c, m, p, b: print(time.strftime('%T'), 'got', p.message_id, 'and never acks', flush=True))
t0 = time.time()
while time.time() - t0 < run:
    conn.process_data_events(time_limit=0.5)
    if ch.is_closed:
        print(time.strftime('%T'), 'channel closed by broker; connection open:', conn.is_open, flush=True)
        ch = None
        t0 = time.time() - run + 5          # stay connected 5 more seconds, then close cleanly
        while time.time() - t0 < run: conn.process_data_events(time_limit=0.5)
conn.close()
print(time.strftime('%T'), 'connection closed cleanly', flush=True)
