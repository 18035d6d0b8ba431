#!/usr/bin/env python3
"""Stops a Voltpass server with SIGTERM while keep-alive clients use it, and accounts for every request.

Busy clients send GET requests back to back on one kept-alive connection, as a load generator does:
they never check the connection before reusing it. Idle clients send one request every --pause
seconds and, like a connection pool (urllib3), check before reusing a connection that the server has
not closed it meanwhile. Once --warmup requests were answered, the script sends SIGTERM to --pid.
A client stops when the server refuses its next connection.

A request is lost when it was written onto a connection the server had not announced closing (no
`Connection: close` on the previous response, no end of stream seen by an idle client's check) and
did not get a complete response. Prints one JSON object:

  {"answered": n, "answeredAfterSignal": n, "announcedClose": n, "closedWhileIdle": n,
   "refused": n, "lost": [{"client": "busy-0", "fresh": false, "afterSignal": true, "error": "..."}],
   "unfinished": clients still running at --limit}

Usage: shutdown-under-load.py --port 8080 --pid PID [--path /health] [--busy 8] [--idle 2]
                              [--pause 2.5] [--warmup 300] [--limit 30]
"""
import argparse
import http.client
import json
import os
import select
import signal
import socket
import threading
import time


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.answered = 0
        self.answered_after_signal = 0
        self.announced_close = 0
        self.closed_while_idle = 0
        self.refused = 0
        self.lost = []
        self.signalled_at = None

    def add(self, field, amount=1):
        with self.lock:
            setattr(self, field, getattr(self, field) + amount)

    def signalled(self):
        with self.lock:
            return self.signalled_at is not None


class Connection:
    """One kept-alive HTTP/1.1 connection: requests written by hand, responses read by http.client."""

    def __init__(self, host, port):
        self.socket = socket.create_connection((host, port), timeout=10)
        self.used = False

    def makefile(self, mode):  # what http.client.HTTPResponse reads each response from, as HTTPConnection does
        return self.socket.makefile(mode)

    def closed_by_server(self):
        """The check a connection pool makes before reusing a connection: readable means the server
        closed it (or sent something unasked, which also makes it unusable)."""
        readable, _, _ = select.select([self.socket], [], [], 0)
        return bool(readable)

    def exchange(self, path):
        """Sends one request; returns whether the response asks to close the connection."""
        self.socket.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        self.used = True
        response = http.client.HTTPResponse(self)
        response.begin()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"status {response.status}: {body[:200]!r}")
        return response.will_close

    def close(self):
        self.socket.close()


def client(name, arguments, tally, pause, checks_before_reuse):
    connection = None
    while True:
        if connection is None:
            try:
                connection = Connection(arguments.host, arguments.port)
            except OSError as error:
                if tally.signalled():
                    tally.add("refused")
                else:
                    with tally.lock:
                        tally.lost.append({"client": name, "fresh": True, "afterSignal": False, "error": f"connect: {error!r}"})
                return
        elif checks_before_reuse and connection.closed_by_server():
            tally.add("closed_while_idle")
            connection.close()
            connection = None
            continue
        fresh = not connection.used
        try:
            closing = connection.exchange(arguments.path)
        except (OSError, http.client.HTTPException, RuntimeError) as error:
            with tally.lock:
                tally.lost.append({"client": name, "fresh": fresh, "afterSignal": tally.signalled_at is not None, "error": repr(error)})
            connection.close()
            return
        with tally.lock:
            tally.answered += 1
            if tally.signalled_at is not None:
                tally.answered_after_signal += 1
            if closing:
                tally.announced_close += 1
        if closing:
            connection.close()
            connection = None
        if pause:
            time.sleep(pause)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--path", default="/health")
    parser.add_argument("--busy", type=int, default=8)
    parser.add_argument("--idle", type=int, default=2)
    parser.add_argument("--pause", type=float, default=2.5)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--limit", type=float, default=30)
    arguments = parser.parse_args()

    tally = Tally()
    threads = [threading.Thread(target=client, args=(f"busy-{i}", arguments, tally, 0, False), daemon=True)
               for i in range(arguments.busy)]
    threads += [threading.Thread(target=client, args=(f"idle-{i}", arguments, tally, arguments.pause, True), daemon=True)
                for i in range(arguments.idle)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while time.monotonic() - started < arguments.limit:
        with tally.lock:
            if tally.answered >= arguments.warmup or tally.lost:
                tally.signalled_at = time.monotonic()
                break
        time.sleep(0.01)
    os.kill(arguments.pid, signal.SIGTERM)
    for thread in threads:
        thread.join(max(0, arguments.limit - (time.monotonic() - started)))
    with tally.lock:
        print(json.dumps({
            "answered": tally.answered, "answeredAfterSignal": tally.answered_after_signal,
            "announcedClose": tally.announced_close, "closedWhileIdle": tally.closed_while_idle,
            "refused": tally.refused, "lost": tally.lost,
            "unfinished": sum(1 for thread in threads if thread.is_alive()),
        }))


if __name__ == "__main__":
    main()
