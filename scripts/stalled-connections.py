#!/usr/bin/env python3
"""Stalls many connections to a Voltpass server and measures GET /health meanwhile.

Opens N TCP connections to the server (half send nothing, half stop inside a request head), then,
every 200 ms, asks GET /health on a new connection and times the answer, until the server has closed
every stalled connection or the time limit passes. Prints one JSON object:

  {"connections": N, "opened": seconds, "closed": seconds or null, "stillOpen": count,
   "health": [{"status": 200, "seconds": 0.004}, ...]}

Usage: stalled-connections.py --port 8080 [--host 127.0.0.1] [--connections 2000] [--limit 30]
"""
import argparse
import json
import resource
import select
import socket
import time


def health(host, port, timeout):
    started = time.monotonic()
    status = 0
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            received = b""
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                received += chunk
            status = int(received.split(b" ", 2)[1]) if received.startswith(b"HTTP/1.") else 0
    except OSError:
        status = 0
    return {"status": status, "seconds": round(time.monotonic() - started, 6)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--limit", type=float, default=30)
    arguments = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = arguments.connections + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard))

    started = time.monotonic()
    stalled = {}
    poller = select.poll()
    for index in range(arguments.connections):
        connection = socket.create_connection((arguments.host, arguments.port), timeout=10)
        if index % 2 == 1:
            connection.sendall(b"POST /readings HTTP/1.1\r\nHost: localhost\r\nContent-Ty")
        connection.setblocking(False)
        stalled[connection.fileno()] = connection
        poller.register(connection.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
    opened = time.monotonic() - started

    probes = []
    closed_at = None
    next_probe = time.monotonic()
    while stalled and time.monotonic() - started < arguments.limit:
        for descriptor, _ in poller.poll(50):
            connection = stalled.get(descriptor)
            if connection is None:
                continue
            try:
                data = connection.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                poller.unregister(descriptor)
                connection.close()
                del stalled[descriptor]
        if not stalled:
            closed_at = time.monotonic() - started
        elif time.monotonic() >= next_probe:
            probes.append(health(arguments.host, arguments.port, timeout=5))
            next_probe = time.monotonic() + 0.2
    for connection in stalled.values():
        connection.close()
    print(json.dumps({
        "connections": arguments.connections, "opened": round(opened, 3),
        "closed": None if closed_at is None else round(closed_at, 3), "stillOpen": len(stalled), "health": probes,
    }))


if __name__ == "__main__":
    main()
