#!/usr/bin/env python3
"""Raw-socket client that offers AMQP 1.0: sends the header AMQP\\x00\\x01\\x00\\x00 (protocol id 0, version 1.0.0) to
127.0.0.1:5672 and then only reads until the broker closes, printing what came back and how the socket ended.
RabbitMQ 3.10 without the rabbitmq_amqp1_0 plugin answers with its own 0-9-1 header AMQP\\x00\\x00\\x09\\x01.
Usage: raw_amqp10_header.py [WAIT_S=10]"""
import socket, sys, time
wait = float(sys.argv[1]) if len(sys.argv) > 1 else 10
s = socket.create_connection(('127.0.0.1', 5672))
s.sendall(b'AMQP\x00\x01\x00\x00')
t0 = time.time(); got = b''
s.settimeout(wait)
try:
    while True:
        d = s.recv(100)
        if not d:
            print(f'{time.time() - t0:.6f}s: EOF (FIN), got {got!r}', flush=True); break
        got += d
        print(f'{time.time() - t0:.6f}s: received {d!r}', flush=True)
except Exception as e:
    print(f'{time.time() - t0:.6f}s: {e!r}, got {got!r}', flush=True)
s.close()
