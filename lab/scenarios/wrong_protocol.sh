#!/usr/bin/env bash
# Non-AMQP clients on 5672: curl's HTTP request, a real TLS ClientHello (Python ssl), and a raw HTTP request whose
# client then waits. RabbitMQ answers each with the AMQP protocol header AMQP\0\0\x09\x01 and resets.
curl -s -m 3 http://127.0.0.1:5672/ -o /dev/null; echo "curl exit $?"   # curl: "Received HTTP/0.9 when not allowed"
sleep 1
/usr/bin/python3 - <<'PY'
import socket, ssl
s = socket.create_connection(('127.0.0.1', 5672))
try:
    ssl.create_default_context().wrap_socket(s, server_hostname='localhost')
except Exception as e:
    print('TLS handshake failed:', repr(e))
PY
sleep 1
# A client that sends bad bytes and then just waits, to show what the broker does on its own.
/usr/bin/python3 - <<'PY'
import socket, time
s = socket.create_connection(('127.0.0.1', 5672))
s.sendall(b'GET / HTTP/1.1\r\nHost: 127.0.0.1:5672\r\n\r\n')
t = time.time(); got = b''
s.settimeout(10)
try:
    while True:
        d = s.recv(100)
        if not d: print(f'EOF after {time.time() - t:.3f}s, got {got!r}'); break
        got += d
except Exception as e:
    print(f'{e!r} after {time.time() - t:.3f}s, got {got!r}')
PY
