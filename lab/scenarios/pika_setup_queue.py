"""Declare and purge a queue before a scenario (runs before the capture starts). Usage: pika_setup_queue.py QUEUE..."""
import sys, pika
conn = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1'))
ch = conn.channel()
for q in sys.argv[1:]:
    ch.queue_declare(q); ch.queue_purge(q)
conn.close()
