"""The example web app (examples/webapp) as a real server: uvicorn with 2 worker processes on one
SQLite file, 4 client processes writing and reading over HTTP at the same time."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from pointsledger import Ledger
from pointsledger.core.events import Awarded
from pointsledger.core.store_events import Redeemed
from pointsledger.testing import check_invariants

ROOT = Path(__file__).resolve().parent.parent
APP_DIR = ROOT / "examples" / "webapp"
CLIENTS = 4
REQUESTS = 200          # per client, every HTTP request counted (retries and reads included)
CLIENT_SECONDS = 45.0   # each client stops sending after this, done or not
GRID, KEEPER = "g-li", "s-zhou"
AWARD_ITEMS = ["MEE-01", "ENV-02", "DON-01", "VOL-01", "ENV-01"]  # the last two have caps
REWARDS = ["SOAP", "DETERGENT", "TISSUE"]
AWARD_REFUSALS = {"cap_exceeded"}
REDEEM_REFUSALS = {"insufficient_points", "limit_reached", "not_eligible", "out_of_stock"}

MISSING = [name for name in ("fastapi", "uvicorn", "httpx") if find_spec(name) is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"the web app test needs {', '.join(MISSING)} (the dev extra)")


@dataclass
class Tally:
    """What one client process sent and saw."""

    client: int
    requests: int = 0
    acknowledged: list[str] = field(default_factory=list)   # award keys answered 201
    awards_refused: int = 0
    duplicates: int = 0              # awards sent a second time with the same key
    duplicate_mismatches: int = 0    # ... whose second answer differed from the first
    redeemed: list[str] = field(default_factory=list)       # redemption keys answered 201
    redemptions_refused: int = 0
    read_backs: int = 0              # balance reads right after an acknowledged award
    cross_worker_read_backs: int = 0  # ... answered by the other worker process
    stale_reads: int = 0             # ... that did not include that award
    reads: int = 0
    wrong_balances: int = 0          # reads that differ from the client's own running total
    unexpected: list[str] = field(default_factory=list)      # any other answer or failure
    workers: set[str] = field(default_factory=set)
    write_ms: list[float] = field(default_factory=list)
    read_ms: list[float] = field(default_factory=list)


def _client(base: str, number: int, households: list[str], stop_at: float) -> Tally:
    """One client: REQUESTS requests on its own households (so it knows their balances)."""
    import httpx

    rng = random.Random(number)
    tally = Tally(number)
    posted: dict[str, int] = {}
    # no keep-alive: each request is a new connection, so either worker may answer it
    limits = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=base, timeout=15.0, limits=limits) as http:

        def send(method: str, url: str, body: dict[str, Any] | None = None,
                 staff: str | None = None) -> httpx.Response | None:
            tally.requests += 1
            headers = {"X-Staff": staff} if staff else {}
            started = time.perf_counter()
            try:
                response = http.request(method, url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                tally.unexpected.append(f"{method} {url}: {exc!r}")
                return None
            ms = (time.perf_counter() - started) * 1000
            (tally.read_ms if method == "GET" else tally.write_ms).append(ms)
            tally.workers.add(response.headers.get("x-worker", "?"))
            return response

        def read(household: str) -> tuple[dict[str, Any] | None, str]:
            """The household's balance, and the worker that answered."""
            response = send("GET", f"/households/{household}/balance")
            if response is None or response.status_code != 200:
                tally.unexpected.append(f"balance {household}: {_said(response)}")
                return None, ""
            data: dict[str, Any] = response.json()
            return data, response.headers.get("x-worker", "")

        for household in households:   # where this client's households start
            start, _ = read(household)
            posted[household] = start["posted"] if start else 0
        awards = 0
        while tally.requests < REQUESTS and time.time() < stop_at:
            left = REQUESTS - tally.requests
            household = rng.choice(households)
            roll = rng.random()
            if roll < 0.5 and left >= 3:
                awards += 1
                key = f"web/{number}/{awards}"
                body: dict[str, Any] = {"item": rng.choice(AWARD_ITEMS), "key": key,
                                        "quantity": rng.choice([1, 1, 2])}
                if awards % 7 == 0:   # a grid worker entering an earlier visit
                    body["occurred_at"] = time.strftime("%Y-%m-%dT%H:%M:%S+00:00",
                                                        time.gmtime(time.time() - 3600))
                url = f"/households/{household}/awards"
                first = send("POST", url, body, GRID)
                if awards % 10 == 0:  # the client retries: same key, same body
                    tally.duplicates += 1
                    second = send("POST", url, body, GRID)
                    if not _same(first, second):
                        tally.duplicate_mismatches += 1
                if first is not None and first.status_code == 201:
                    event = first.json()
                    tally.acknowledged.append(key)
                    posted[household] += event["points"]
                    seen, worker = read(household)
                    tally.read_backs += 1
                    if seen is None:
                        continue
                    if worker != first.headers.get("x-worker"):
                        tally.cross_worker_read_backs += 1
                    if seen["as_of_seq"] < event["seq"] or seen["posted"] < posted[household]:
                        tally.stale_reads += 1
                    elif seen["posted"] != posted[household]:
                        tally.wrong_balances += 1
                elif _code(first) in AWARD_REFUSALS:
                    tally.awards_refused += 1
                else:
                    tally.unexpected.append(f"award {key}: {_said(first)}")
            elif roll < 0.7:
                key = f"redeem/{number}/{tally.requests}"
                body = {"reward": rng.choice(REWARDS), "key": key,
                        "quantity": rng.choice([1, 1, 2])}
                response = send("POST", f"/households/{household}/redemptions", body, KEEPER)
                if response is not None and response.status_code == 201:
                    tally.redeemed.append(key)
                    posted[household] -= response.json()["points"]
                elif _code(response) in REDEEM_REFUSALS:
                    tally.redemptions_refused += 1
                else:
                    tally.unexpected.append(f"redeem {key}: {_said(response)}")
            else:
                seen, _ = read(household)
                tally.reads += 1
                if seen is not None and seen["posted"] != posted[household]:
                    tally.wrong_balances += 1
    return tally


def _code(response: Any) -> str:
    try:
        return str(response.json()["error"]["code"])
    except Exception:
        return ""


def _said(response: Any) -> str:
    return "no answer" if response is None else f"{response.status_code} {response.text[:200]}"


def _same(first: Any, second: Any) -> bool:
    """Both answers of a retried award agree: the same status, and for 201 the same event."""
    if first is None or second is None or first.status_code != second.status_code:
        return False
    return first.status_code != 201 or bool(first.json()["id"] == second.json()["id"])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _env(**extra: str) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), **extra)


def _start_server(db: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn with 2 workers on a free loopback port; returns once it answers."""
    import httpx

    for _attempt in range(3):   # another program may take the free port before uvicorn does
        port = _free_port()
        with log.open("ab") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--app-dir", str(APP_DIR), "app:app",
                 "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
                 "--timeout-graceful-shutdown", "10"],
                stdout=out, stderr=subprocess.STDOUT, env=_env(POINTSLEDGER_DB=str(db)),
                start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    return server, base
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        _stop_server(server)
    raise AssertionError(f"the server did not answer:\n{log.read_text()[-3000:]}")


def _stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn stops its workers, whose lifespans close their ledgers); SIGKILL to
    the server's own process group if it is still there after 20 s."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def test_two_workers_four_clients_lose_nothing_and_read_fresh(tmp_path: Path) -> None:
    """4 clients x 200 requests on a 2-worker server: retries return the first event, reads
    after an acknowledged award see it, and the file holds every acknowledged award once."""
    db, log = tmp_path / "village.db", tmp_path / "server.log"
    subprocess.run([sys.executable, str(APP_DIR / "setup_village.py"), str(db)], check=True,
                   env=_env(), capture_output=True, timeout=60)
    with Ledger.open(db) as ledger:
        households = sorted(ledger.households())
        before = ledger.head
    assert len(households) == 50

    server, base = _start_server(db, log)
    try:
        started = time.monotonic()
        stop_at = time.time() + CLIENT_SECONDS
        work = [(base, n, households[n::CLIENTS], stop_at) for n in range(CLIENTS)]
        with multiprocessing.get_context("spawn").Pool(CLIENTS) as pool:
            tallies = pool.starmap_async(_client, work).get(timeout=CLIENT_SECONDS + 30)
        elapsed = time.monotonic() - started
    finally:
        _stop_server(server)
    output = log.read_text(errors="replace")
    assert output.count("Application shutdown complete") == 2, output[-3000:]

    unexpected = [u for t in tallies for u in t.unexpected]
    acknowledged = [k for t in tallies for k in t.acknowledged]
    redeemed = [k for t in tallies for k in t.redeemed]
    total = {name: sum(getattr(t, name) for t in tallies) for name in (
        "requests", "awards_refused", "duplicates", "duplicate_mismatches",
        "redemptions_refused", "read_backs", "cross_worker_read_backs", "stale_reads", "reads",
        "wrong_balances")}
    workers = set().union(*(t.workers for t in tallies))
    writes = [ms for t in tallies for ms in t.write_ms]
    reads = [ms for t in tallies for ms in t.read_ms]
    print(f"\n{total['requests']} requests in {elapsed:.1f} s "
          f"({total['requests'] / elapsed:.0f}/s) by {CLIENTS} clients on {len(workers)} "
          f"workers; {len(acknowledged)} awards acknowledged, {total['awards_refused']} "
          f"refused (caps); {total['duplicates']} retried; {len(redeemed)} redemptions, "
          f"{total['redemptions_refused']} refused; {total['read_backs']} read-backs "
          f"({total['cross_worker_read_backs']} by the other worker), "
          f"{total['stale_reads']} stale; {total['reads']} other reads, "
          f"{total['wrong_balances']} wrong; writes p50 {_percentile(writes, 0.5):.0f} ms "
          f"p95 {_percentile(writes, 0.95):.0f} ms, reads p50 {_percentile(reads, 0.5):.0f} ms "
          f"p95 {_percentile(reads, 0.95):.0f} ms")
    assert not unexpected, unexpected[:10]
    assert total["requests"] == CLIENTS * REQUESTS          # every client finished in time
    assert len(workers) == 2                                  # both workers answered
    assert total["duplicates"] > 0 and total["duplicate_mismatches"] == 0
    assert total["read_backs"] == len(acknowledged) > 0
    assert total["cross_worker_read_backs"] > 0               # fresh across processes
    assert total["stale_reads"] == 0
    assert total["wrong_balances"] == 0
    assert redeemed

    with Ledger.open(db) as ledger:
        ledger.verify()
        new = list(ledger.events(before))
        awarded = [e.key for e in new if isinstance(e, Awarded)]
        assert sorted(e.key for e in new if isinstance(e, Redeemed)) == sorted(redeemed)
        assert len(awarded) == len(set(acknowledged))          # 0 lost, 0 duplicated
        assert len(awarded) == len(set(awarded))
        assert set(awarded) == set(acknowledged)               # 0 lost, none unacknowledged
        assert len(acknowledged) == len(set(acknowledged))
        assert check_invariants(ledger) == []
