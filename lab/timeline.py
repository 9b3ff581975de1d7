#!/usr/bin/env python3
"""timeline.py CAPTURE [PORT] [--all]: compact per-connection timeline read with tshark, for writing up a capture.
Prints each connection's client address, connection_name and Tune-Ok heartbeat, then one line per packet that carries
AMQP payload, a SYN/FIN/RST, a zero window, a retransmission or a keep-alive (--all: every packet).
Columns: packet number (1-based), seconds since the first packet (6 decimals), direction, tcp.len, window, info."""
import subprocess, sys
args = [a for a in sys.argv[1:] if not a.startswith('--')]
cap = args[0]; port = args[1] if len(args) > 1 else '5672'; every = '--all' in sys.argv
F = ['frame.number', 'frame.time_relative', 'tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tcp.len', 'tcp.window_size',
     'tcp.flags.str', 'tcp.analysis.flags', 'amqp.method.arguments.client_properties', 'amqp.method.arguments.heartbeat',
     'amqp.method.arguments.redelivered', '_ws.col.Info', 'ip.src', 'ipv6.src']
cmd = ['tshark', '-r', cap, '-d', f'tcp.port=={port},amqp', '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a']
for f in F: cmd += ['-e', f]
rows = [l.split('\t') for l in subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()]
# connection_name per stream, from the verbose dissection of Start-Ok
names = {}
v = subprocess.run(['tshark', '-r', cap, '-d', f'tcp.port=={port},amqp', '-Y', 'amqp.method.class==10 && amqp.method.method==11',
                    '-V'], capture_output=True, text=True).stdout
stream = None
for line in v.splitlines():
    if line.startswith('Frame '): stream = None
    if 'Stream index:' in line: stream = line.split(':')[1].strip(' ]')
    if 'connection_name (string):' in line and stream is not None: names[stream] = line.split(':', 1)[1].strip()
hb = {}
for r in rows:
    if len(r) < len(F): r += [''] * (len(F) - len(r))
    if r[10] and 'Tune-Ok' in r[12]: hb[r[2]] = r[10]
seen = set()
for r in rows:
    num, t, st, sp, dp, ln, win, fl, an, _, _, red, info, ip4, ip6 = r[:15]
    if st == '': continue
    if st not in seen:
        seen.add(st)
        print(f'# stream {st}: client {ip4 or ip6}:{sp if dp == port else dp} name={names.get(st)} T={hb.get(st)}')
    interesting = every or ln not in ('', '0') or any(c in fl for c in 'SFR') or an
    if interesting:
        d = 'C>S' if dp == port else 'S>C'
        print(f'{num:>6} {float(t):12.6f} s{st} {d} len={ln:<6} win={win:<7} {"red=" + red + " " if red else ""}{info}')
