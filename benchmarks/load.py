"""Load and fault test of ``spansuggest serve`` under gunicorn: simulated annotators clicking on ~1 MB documents.

Starts ``spansuggest serve`` itself on 127.0.0.1 (a free port, memory in a temporary directory), runs
``--annotators`` threads that each send interactive ``/predict`` calls as Label Studio forwards them (one task,
the new seed last in a context of earlier same-label regions) for ``--duration`` seconds, and SIGKILLs one
gunicorn worker at ``--kill-at`` seconds. Clients behave like Label Studio's: a keep-alive ``requests.Session``
with ``HTTPAdapter(max_retries=2)`` (connection errors retried, a POST whose reply was lost is not).

Reports throughput, latency percentiles and errors before the kill and after it, how many requests failed in
flight, and how long gunicorn took to replace the worker. Stops by itself (duration and ``--max-requests``).

    .venv/bin/python benchmarks/load.py --workers 2 --threads 4 --annotators 16 --duration 60 --kill-at 30
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import requests
from requests.adapters import HTTPAdapter

HOST = "127.0.0.1"  # never anything else
CONFIG = (
    '<View><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>'
    '<Text name="text" value="$text"/></View>'
)
NAMES = {
    "PER": ["Alice Johnson", "Bob Smith", "José Müller", "Zoë Martin"],
    "ORG": ["Acme Corporation", "Globex", "Société Générale", "Initech"],
}
FILLER = ("the", "board", "met", "again", "after", "lunch", "and", "minutes", "were", "read", "aloud", "while",
          "rain", "fell", "on", "harbour", "nobody", "mentioned", "merger", "but", "everyone", "knew", "what", "it",
          "meant", "for", "quarter")


class Outcome(NamedTuple):
    """One request: when it was sent (seconds since the start), how long it took, and whether it succeeded."""

    sent: float
    seconds: float
    ok: bool
    error: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def document(rng: random.Random, size: int) -> str:
    """A ~``size``-character text: filler words with the names sprinkled in (about one name per 40 words)."""
    names = [name for group in NAMES.values() for name in group]
    words: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(names) if rng.random() < 0.025 else rng.choice(FILLER)
        words.append(word)
        length += len(word) + 1
    return " ".join(words)


def region(text: str, start: int, end: int, label: str, rid: str) -> dict[str, Any]:
    """A region as the Label Studio UI serializes it."""
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}


def clicks(rng: random.Random, documents: list[str], per_document: int) -> list[bytes]:
    """Pre-serialized /predict bodies: per document, a seed of each label after up to 50 earlier regions."""
    bodies = []
    for task_id, text in enumerate(documents, start=1):
        for n in range(per_document):
            label = rng.choice(sorted(NAMES))
            name = rng.choice(NAMES[label])
            spans = []
            at = text.find(name)
            while at != -1 and len(spans) < 51:
                spans.append((at, at + len(name)))
                at = text.find(name, at + len(name))
            if not spans:
                continue
            context = [region(text, s, e, label, f"r{task_id:03d}{n:02d}{i:04d}") for i, (s, e) in enumerate(spans)]
            body = {"tasks": [{"id": task_id, "data": {"text": text}, "annotations": [], "drafts": []}],
                    "project": "1.1718000000", "label_config": CONFIG,
                    "params": {"login": None, "password": None, "context": {"result": context[-rng.randint(1, 51):]}}}
            bodies.append(json.dumps(body).encode())
    return bodies


def workers_of(master: int) -> list[int]:
    """gunicorn's worker PIDs (the master's live children), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master and fields[0] != "Z":
                found.append(int(entry.name))
    return sorted(found)


def annotate(url: str, bodies: list[bytes], start: float, stop: float, budget: threading.Semaphore,
             seed: int) -> list[Outcome]:
    """One annotator: clicks until ``stop`` (or the shared request budget is spent), as Label Studio sends them."""
    rng = random.Random(seed)
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=2))  # what Label Studio's ML client mounts
    outcomes = []
    while time.monotonic() < stop and budget.acquire(blocking=False):
        body = rng.choice(bodies)
        sent = time.monotonic()
        try:
            reply = session.post(f"{url}/predict", data=body, headers={"Content-Type": "application/json"}, timeout=100)
            ok = reply.status_code == 200 and isinstance(reply.json()["results"][0]["result"], list)
            error = "" if ok else f"HTTP {reply.status_code}"
        except (requests.RequestException, ValueError, KeyError) as exc:
            ok, error = False, type(exc).__name__
        outcomes.append(Outcome(sent - start, time.monotonic() - sent, ok, error))
    session.close()
    return outcomes


def summary(name: str, outcomes: list[Outcome], seconds: float) -> str:
    """Throughput, latency percentiles of successes, and errors, on one line."""
    good = sorted(o.seconds for o in outcomes if o.ok)
    errors = [o.error for o in outcomes if not o.ok]
    if len(good) >= 2:
        cuts = statistics.quantiles(good, n=100, method="inclusive")
        latency = f"p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms"
    else:
        latency = "too few successes for percentiles"
    kinds = ", ".join(f"{kind} x{errors.count(kind)}" for kind in sorted(set(errors))) or "none"
    return (f"{name}: {len(good)} ok / {len(outcomes)} requests in {seconds:.1f} s = {len(good) / seconds:.1f} req/s; "
            f"{latency}; errors {len(errors)} ({kinds})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--annotators", type=int, default=16, help="concurrent simulated annotators")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of clicking")
    parser.add_argument("--kill-at", type=float, default=30.0, help="SIGKILL one worker after this many seconds (0: never)")
    parser.add_argument("--documents", type=int, default=8)
    parser.add_argument("--document-mb", type=float, default=1.0)
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop after this many requests in all")
    parser.add_argument("--serve-args", default="--matcher exact --case-sensitive false",
                        help="extra `spansuggest serve` arguments (matcher and its options)")
    args = parser.parse_args()
    if not 0 <= args.kill_at < args.duration:
        parser.error("--kill-at must be 0 (no kill) or less than --duration")

    rng = random.Random(0)
    documents = [document(rng, int(args.document_mb * 2**20)) for _ in range(args.documents)]
    bodies = clicks(rng, documents, per_document=6)
    print(f"{len(documents)} documents of {len(documents[0]):,} characters; {len(bodies)} distinct clicks "
          f"({min(map(len, bodies)) / 2**20:.2f}-{max(map(len, bodies)) / 2**20:.2f} MB per request body)")

    port = free_port()
    url = f"http://{HOST}:{port}"
    spansuggest = Path(sys.executable).parent / "spansuggest"
    with tempfile.TemporaryDirectory(prefix="spansuggest-load-") as tmp:
        log_path = Path(tmp) / "serve.log"
        env = {**os.environ, "SPANSUGGEST_STORE": str(Path(tmp) / "memory.sqlite3")}
        env.pop("BASIC_AUTH_USER", None)
        env.pop("BASIC_AUTH_PASS", None)
        command = [str(spansuggest), "serve", *shlex.split(args.serve_args), "--host", HOST, "--port", str(port),
                   "--workers", str(args.workers), "--threads", str(args.threads), "--no-access-log"]
        with log_path.open("wb") as log:
            server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 120
            while True:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"the server did not start:\n{log_path.read_text()}")
                try:
                    requests.get(f"{url}/health", timeout=2)
                    if len(workers_of(server.pid)) == args.workers:
                        break
                except requests.ConnectionError:
                    pass
                time.sleep(0.2)
            print(f"serving at {url}: {shlex.join(command[1:])}")

            budget = threading.Semaphore(args.max_requests)
            start = time.monotonic()
            stop = start + args.duration
            with ThreadPoolExecutor(args.annotators) as pool:
                futures = [pool.submit(annotate, url, bodies, start, stop, budget, i) for i in range(args.annotators)]
                killed, replaced_after = None, None
                if args.kill_at:
                    time.sleep(max(0.0, start + args.kill_at - time.monotonic()))
                    before = workers_of(server.pid)
                    killed = before[0]
                    os.kill(killed, signal.SIGKILL)
                    kill_time = time.monotonic()
                    while time.monotonic() < stop:
                        now = workers_of(server.pid)
                        if killed not in now and len(now) == args.workers:
                            replaced_after = time.monotonic() - kill_time
                            break
                        time.sleep(0.05)
                outcomes = sorted((o for f in futures for o in f.result()), key=lambda o: o.sent)
            elapsed = time.monotonic() - start
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    print(f"{args.annotators} annotators, gunicorn {args.workers} workers x {args.threads} threads, "
          f"{elapsed:.1f} s, {os.cpu_count()} CPUs (shared machine)")
    print(summary("all", outcomes, elapsed))
    if args.kill_at:
        kill = args.kill_at
        finished = [o for o in outcomes if o.sent + o.seconds < kill]
        in_flight = [o for o in outcomes if o.sent < kill <= o.sent + o.seconds]
        after = [o for o in outcomes if o.sent >= kill]
        print(summary(f"finished before the kill (0-{kill:.0f} s)", finished, kill))
        print(summary(f"sent after the kill ({kill:.0f}-{elapsed:.0f} s)", after, elapsed - kill))
        replaced = f"{replaced_after:.2f} s" if replaced_after is not None else "not within the run"
        print(f"SIGKILL worker {killed} at {kill:.0f} s: {sum(not o.ok for o in in_flight)} of the {len(in_flight)} "
              f"requests in flight failed; replacement worker up after {replaced}; "
              f"{sum(not o.ok for o in after)} of the {len(after)} requests sent after the kill failed")
        late = [o.sent - kill for o in after if not o.ok]
        if late:
            print(f"those were sent {min(late):.3f}-{max(late):.3f} s after the kill (on connections the dead worker "
                  f"held); {sum(o.ok for o in after if o.sent - kill > max(late))} requests sent later all succeeded")

if __name__ == "__main__":
    main()
