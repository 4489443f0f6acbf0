#!/usr/bin/env python3
"""A bounded sign-in flood against a built server on loopback, measuring what it does to the server.

Starts `target/debug/growthkit` (or $GROWTHKIT_BIN) on a free loopback port with a fresh database, sends
ATTEMPTS wrong-password sign-ins, CONCURRENCY at a time, and meanwhile asks /healthz every 20 ms. Reports
the answers' statuses, the server's peak resident memory (VmHWM) and /healthz latency (p50, p99, max).

Two rounds: every attempt from one address (the per-address and per-account limits answer most of them
with 429 at once), then each attempt from its own address and for its own e-mail (via
GROWTHKIT_CLIENT_IP_HEADER), so every one reaches a password check and only the bound on concurrent
checks stands between the flood and the server. Stops by itself; loopback only.

    python3 scripts/login_flood.py [ATTEMPTS] [CONCURRENCY]
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ATTEMPTS = int(sys.argv[1]) if len(sys.argv) > 1 else 300
CONCURRENCY = int(sys.argv[2]) if len(sys.argv) > 2 else 100


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def start_server(folder):
    port, engine_port = free_port(), free_port()
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite://{folder}/flood.db",
        GROWTHKIT_ADDR=f"127.0.0.1:{port}",
        GROWTHKIT_ENGINE_ADDR=f"127.0.0.1:{engine_port}",
        GROWTHKIT_CLIENT_IP_HEADER="X-Forwarded-For",
        LEPTOS_SITE_ROOT="target/site",
        RUST_LOG="error",
    )
    binary = os.environ.get("GROWTHKIT_BIN", "target/debug/growthkit")
    proc = subprocess.Popen([binary], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("the server did not start within 60 s")


def attempt(port, i, spread):
    email = f"flood{i}@example.test" if spread else "owner@acme.test"
    body = urllib.parse.urlencode({"email": email, "password": f"wrong password {i}"})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}
    if spread:
        headers["X-Forwarded-For"] = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/api/login", body, headers)
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError as err:
        return f"error: {type(err).__name__}"


def watch_health(port, stop, latencies):
    while not stop.is_set():
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            latencies.append((time.monotonic() - started) * 1000)
        except OSError:
            latencies.append(30_000.0)
        time.sleep(0.02)


def flood(spread):
    with tempfile.TemporaryDirectory() as folder:
        proc, port = start_server(folder)
        try:
            idle_rss = peak_rss_mib(proc.pid)
            latencies, stop = [], threading.Event()
            watcher = threading.Thread(target=watch_health, args=(port, stop, latencies))
            watcher.start()
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
                statuses = list(pool.map(lambda i: attempt(port, i, spread), range(ATTEMPTS)))
            took = time.monotonic() - started
            stop.set()
            watcher.join()
            counts = {}
            for s in statuses:
                counts[s] = counts.get(s, 0) + 1
            q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [latencies[0]] * 99
            name = "each from its own address and account" if spread else "all from one address, for one account"
            print(f"{ATTEMPTS} attempts, {CONCURRENCY} at a time, {name}: done in {took:.1f} s")
            print(f"  answers: {dict(sorted(counts.items(), key=str))}")
            print(f"  peak resident memory: {peak_rss_mib(proc.pid):.0f} MiB (idle before: {idle_rss:.0f} MiB)")
            print(
                f"  /healthz during the flood ({len(latencies)} checks): p50 {q[49]:.1f} ms, "
                f"p99 {q[98]:.1f} ms, max {max(latencies):.1f} ms"
            )
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    flood(spread=False)
    flood(spread=True)
