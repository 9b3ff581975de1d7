#!/usr/bin/env python3
"""Raw-socket AMQP 0-9-1 client that breaks framing on purpose.
Does a real handshake (protocol header; Start-Ok PLAIN guest/guest with connection_name NAME; Tune-Ok heartbeat HB;
Open vhost /), opens channel 1, then sends one method frame (Basic.Qos prefetch 10 on channel 1) whose frame-end
octet is 0x00 instead of 0xCE. It then only reads (no Close-Ok, no heartbeats) until the broker closes the socket,
printing every frame received with its time since the bad frame was sent.
Usage: raw_frame_error.py [NAME=frame-error-501] [HB=5] [WAIT_S=20]"""
import socket, struct, sys, time

name = sys.argv[1] if len(sys.argv) > 1 else 'frame-error-501'
hb = int(sys.argv[2]) if len(sys.argv) > 2 else 5
wait = float(sys.argv[3]) if len(sys.argv) > 3 else 20
FRAME_END = 0xCE


def shortstr(s):
    b = s.encode()
    return struct.pack('>B', len(b)) + b


def longstr(b):
    return struct.pack('>I', len(b)) + b


def table(d):
    out = b''
    for k, v in d.items():
        out += shortstr(k)
        if isinstance(v, bool):
            out += b't' + struct.pack('>B', v)
        elif isinstance(v, dict):
            out += b'F' + table(v)
        else:
            out += b'S' + longstr(v.encode())
    return longstr(out)


def frame(ftype, channel, payload, end=FRAME_END):
    return struct.pack('>BHI', ftype, channel, len(payload)) + payload + bytes([end])


def method(channel, cls, meth, args=b'', end=FRAME_END):
    return frame(1, channel, struct.pack('>HH', cls, meth) + args, end)


class Reader:
    def __init__(self, sock):
        self.sock, self.buf = sock, b''

    def frame(self):
        """Next frame as (type, channel, payload, end_octet), or None at EOF."""
        while True:
            if len(self.buf) >= 7:
                t, ch, size = struct.unpack('>BHI', self.buf[:7])
                if len(self.buf) >= 8 + size:
                    f = (t, ch, self.buf[7:7 + size], self.buf[7 + size])
                    self.buf = self.buf[8 + size:]
                    return f
            d = self.sock.recv(65536)
            if not d:
                return None
            self.buf += d

    def expect(self, cls, meth):
        while True:
            f = self.frame()
            if f is None:
                sys.exit(f'EOF while waiting for method {cls}.{meth}')
            t, ch, p, _ = f
            if t == 8:
                continue
            got = struct.unpack('>HH', p[:4])
            if got != (cls, meth):
                sys.exit(f'expected {cls}.{meth}, got {got}: {p!r}')
            return p[4:]


s = socket.create_connection(('127.0.0.1', 5672))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # as pika does: no Nagle delay between frames
r = Reader(s)
s.sendall(b'AMQP\x00\x00\x09\x01')
r.expect(10, 10)                                  # Connection.Start
props = {'product': 'amqpscope-lab raw_frame_error.py', 'platform': 'Python raw socket',
         'connection_name': name}
s.sendall(method(0, 10, 11, table(props) + shortstr('PLAIN') + longstr(b'\x00guest\x00guest') + shortstr('en_US')))
tune = r.expect(10, 30)                           # Connection.Tune
channel_max, frame_max, server_hb = struct.unpack('>HIH', tune)
print(f'Tune: channel_max={channel_max} frame_max={frame_max} heartbeat={server_hb}; answering heartbeat={hb}')
s.sendall(method(0, 10, 31, struct.pack('>HIH', channel_max, frame_max, hb)))
s.sendall(method(0, 10, 40, shortstr('/') + shortstr('') + b'\x00'))
r.expect(10, 41)                                  # Connection.Open-Ok
s.sendall(method(1, 20, 10, shortstr('')))
r.expect(20, 11)                                  # Channel.Open-Ok
# Basic.Qos(prefetch_size=0, prefetch_count=10, global=0) on channel 1, frame-end 0x00
bad = method(1, 60, 10, struct.pack('>IHB', 0, 10, 0), end=0x00)
s.sendall(bad)
t0 = time.time()
print(f'sent bad frame {bad.hex()} (frame-end 0x00); now only reading, no Close-Ok', flush=True)
s.settimeout(wait)
try:
    while True:
        f = r.frame()
        if f is None:
            print(f'{time.time() - t0:.6f}s: EOF (FIN) from the broker', flush=True)
            break
        t, ch, p, end = f
        if t == 1:
            cls, meth = struct.unpack('>HH', p[:4])
            if (cls, meth) == (10, 50):
                code = struct.unpack('>H', p[4:6])[0]
                n = p[6]
                text = p[7:7 + n].decode(errors='replace')
                fc, fm = struct.unpack('>HH', p[7 + n:11 + n])
                print(f'{time.time() - t0:.6f}s: Connection.Close {code} {text!r} class {fc} method {fm}', flush=True)
            else:
                print(f'{time.time() - t0:.6f}s: method {cls}.{meth} on channel {ch}', flush=True)
        else:
            print(f'{time.time() - t0:.6f}s: frame type {t} on channel {ch}', flush=True)
except Exception as e:
    print(f'{time.time() - t0:.6f}s: {e!r}', flush=True)
s.close()
