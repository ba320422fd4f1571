"""Deadline rush: many verified enterprises submit and amend proposals in the last minute before a deadline.

    .venv/bin/python bench/deadline_rush.py            # gunicorn, 4 workers, a scratch PostgreSQL database
    .venv/bin/python bench/deadline_rush.py --sqlite   # gunicorn, 2 workers, a SQLite file (WAL, busy timeout)

The bench creates its own instance folder and database (dropped at the end), the enterprises (verified)
and one open scenario, starts gunicorn, signs every enterprise in, then moves the portal clock
(PORTAL_CLOCK_FILE, read by every worker) so that the deadline is one minute away. Each enterprise then
submits with a PDF and amends with another before the deadline, over HTTP with the CSRF token of the
page it loaded; some press "submit" again after the deadline on a page loaded before it. Afterwards every
issued receipt is checked in the database (stored, digest recomputed by portal/proposals/receipts.py) and
through the public /verify page. One JSON object is printed; the exit status is 1 when a requirement
failed: a 5xx, a lost or unverifiable receipt, a submission accepted after the deadline, or (SQLite)
"database is locked" in a response or in the server log.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

PG_SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "Rush#pass2026"  # noqa: S105 -- the bench accounts live in a scratch database
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
RECEIPT = re.compile(r"/receipts/(JB-\d{4}-\d{6,})")
DIGEST = re.compile(r"摘要（SHA-256）</dt>\s*<dd[^>]*>\s*<code[^>]*>([0-9a-f]{64})</code>")
LOCKED = "database is locked"
VERIFY_OK = "一致：该回执编号与摘要对应平台保存的一次提交"
REFUSED_LATE = "截止"


# --- the portal under test ---------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scratch_database() -> tuple[str, callable]:
    from sqlalchemy import create_engine, make_url, text

    name = f"portal_rush_{uuid.uuid4().hex[:10]}"
    server = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()

    return make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False), drop


def make_pdf(label: str, kilobytes: int = 96) -> bytes:
    """A small valid PDF whose content stream makes it about `kilobytes` long and unique to `label`."""
    lines = "".join(f"BT /F1 9 Tf 20 {780 - (n % 70) * 11} Td ({label} line {n}) Tj ET\n"
                    for n in range(kilobytes * 1024 // 48))
    stream = lines.encode("ascii")
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"
            + f"4 0 obj<</Length {len(stream)}>>stream\n".encode() + stream + b"endstream endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def populate(config: dict, enterprises: int, deadline: datetime) -> tuple[int, list[str]]:
    """The department, the verified enterprises and the published scenario; returns (scenario id, e-mails)."""
    from werkzeug.security import generate_password_hash

    from portal import create_app
    from portal.accounts import operations as accounts
    from portal.accounts.models import Organization, OrgKind, Role, User, Verification
    from portal.extensions import db
    from portal.scenarios import operations as scenarios
    from portal.util import clock
    from portal.util.uscc import make_uscc

    app = create_app(config)
    with app.app_context():
        department = accounts.create_account(None, email="rush-dept@bench.example.cn", password=PASSWORD,
                                             role=Role.GOVERNMENT, org_name="杭州市经济和信息化局（压测）")
        hashed = generate_password_hash(PASSWORD)  # scrypt once; every enterprise shares the password
        emails = []
        now = clock.now()
        for n in range(enterprises):
            org = Organization(name=f"压测企业{n:03d}有限公司", kind=OrgKind.ENTERPRISE,
                               uscc=make_uscc(f"91330106{n + 500000000:09d}"), district="滨江区",
                               verification=Verification.VERIFIED, created_at=now)
            email = f"rush{n:03d}@bench.example.cn"
            db.session.add(User(email=email, name=f"联系人{n:03d}", role=Role.ENTERPRISE, organization=org,
                                password_hash=hashed, active=True, created_at=now))
            emails.append(email)
        batch = scenarios.create_batch(department, title="2026年压测批次场景机会清单", summary="截止前集中提交的压测。")
        scenario = scenarios.create_scenario(
            batch, department, title="城市道路病害智能巡检（压测）", sector="industrial_vision", district="西湖区",
            description="道路巡检依靠人工，效率低。", requirements="识别准确率不低于95%", budget=120,
            deadline=deadline, contact_name="王工", contact_phone="0571-87654321", contact_email=None)
        scenarios.publish_batch(batch, department)
        db.session.commit()
        scenario_id = scenario.id
        db.session.remove()
        db.engine.dispose()
    return scenario_id, emails


@dataclass
class Server:
    base: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gunicorn(env: dict, workers: int, log: Path) -> Server:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), "--no-control-socket", "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--access-logfile", "-", "--access-logformat", "%(m)s %(U)s %(s)s %(M)sms", "wsgi:app"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(server.base + "/", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)
    server.stop()
    raise SystemExit("gunicorn did not answer within 60 s")


# --- the enterprises -----------------------------------------------------------------------------

@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: dict[int, int] = field(default_factory=dict)
    errors_5xx: int = 0
    errors_other: list[str] = field(default_factory=list)
    locked_in_response: int = 0
    receipts: dict[str, str] = field(default_factory=dict)  # receipt no → e-mail
    late_accepted: list[str] = field(default_factory=list)
    late_refused: int = 0
    refused_in_time: list[str] = field(default_factory=list)
    phase: str = "sign-in"
    by_phase: dict[str, list[float]] = field(default_factory=dict)

    def note(self, response: requests.Response, elapsed: float) -> None:
        with self.lock:
            self.by_phase.setdefault(self.phase, []).append(elapsed * 1000)
            self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                self.errors_5xx += 1
            if LOCKED in response.text:
                self.locked_in_response += 1


class Enterprise:
    """One enterprise's browser: a session with its cookies, loading pages and posting their forms."""

    def __init__(self, n: int, email: str, base: str, scenario_id: int, tally: Tally):
        self.n, self.email, self.base, self.tally = n, email, base, tally
        self.form_url = f"{base}/scenarios/{scenario_id}/proposal"
        self.session = requests.Session()
        self.fields = {"title": f"压测企业{n:03d}道路病害识别方案", "summary": "车载采集加边缘识别。",
                       "approach": "多光谱相机与轻量化模型。\n\n识别准确率 96%。", "plan_months": "6",
                       "price": f"{90 + n % 10}.50", "team": "项目负责人张工，团队 12 人。", "cases": "西湖区试点。"}

    def request(self, method: str, url: str, **kwargs) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = self.session.request(method, url, allow_redirects=False, timeout=300, **kwargs)
        except requests.RequestException as error:
            with self.tally.lock:
                self.tally.errors_other.append(f"{method} {url}: {error.__class__.__name__}")
            return None
        self.tally.note(response, time.perf_counter() - started)
        return response

    def token(self, url: str) -> str | None:
        response = self.request("GET", url)
        if response is None or response.status_code != 200:
            return None
        match = CSRF.search(response.text)
        return (match.group(1) or match.group(2)) if match else None

    def sign_in(self) -> bool:
        token = self.token(f"{self.base}/login")
        response = self.request("POST", f"{self.base}/login",
                                data={"csrf_token": token, "email": self.email, "password": PASSWORD})
        return response is not None and response.status_code == 302

    def load_form(self) -> str | None:
        return self.token(self.form_url)

    def submit(self, token: str | None, version: int, portal_deadline: float, offset: float) -> None:
        """Post the proposal form with the 'submit' button and a new PDF; file the answer as in time or late."""
        self.fields["summary"] = f"车载采集加边缘识别。第 {version} 稿（压测企业{self.n:03d}）。"
        pdf = make_pdf(f"enterprise {self.n} version {version}")
        data = dict(self.fields, csrf_token=token or "", declaration="y", submit="1")
        sent_at = time.time() + offset
        response = self.request("POST", self.form_url, data=data,
                                files={"attachments": (f"技术方案第{version}稿.pdf", pdf, "application/pdf")})
        if response is None:
            return
        found = RECEIPT.search(response.headers.get("Location", "")) if response.status_code == 302 else None
        with self.tally.lock:
            if found:
                self.tally.receipts[found.group(1)] = self.email
                if sent_at >= portal_deadline:
                    self.tally.late_accepted.append(found.group(1))
            elif sent_at >= portal_deadline:
                if response.status_code < 500 and REFUSED_LATE in response.text:
                    self.tally.late_refused += 1
            elif response.status_code < 500:
                # Sent before the deadline but decided after it by the server clock: a refusal is right.
                self.tally.refused_in_time.append(f"{self.email} v{version}: {response.status_code}")

    def verify(self, receipt_no: str) -> bool:
        """Read the digest off the receipt page and check it at the public /verify page."""
        page = self.request("GET", f"{self.base}/receipts/{receipt_no}")
        match = DIGEST.search(page.text) if page is not None and page.status_code == 200 else None
        if not match:
            return False
        check = self.request("GET", f"{self.base}/verify", params={"receipt": receipt_no, "digest": match.group(1)})
        return check is not None and check.status_code == 200 and VERIFY_OK in check.text


def wait_until(moment: float) -> None:
    delay = moment - time.time()
    if delay > 0:
        time.sleep(delay)


# --- the run -------------------------------------------------------------------------------------

def check_database(config: dict, receipts: dict[str, str], deadline: datetime) -> dict:
    """Every issued receipt stored with a digest that recomputes; submissions stored at or after the deadline."""
    from sqlalchemy import func, select

    from portal import create_app
    from portal.extensions import db
    from portal.proposals.models import Proposal, ProposalState, ProposalVersion
    from portal.proposals.receipts import version_digest

    app = create_app(config)
    with app.app_context():
        versions = {v.receipt_no: v for v in db.session.scalars(select(ProposalVersion))}
        stored = [no for no in receipts if no in versions and version_digest(versions[no]) == versions[no].digest]
        late = [v.receipt_no for v in versions.values() if v.submitted_at >= deadline]
        proposals = db.session.scalar(select(func.count()).select_from(Proposal)
                                      .where(Proposal.state == ProposalState.SUBMITTED))
        result = {"stored": set(stored), "late_in_db": late, "proposals": proposals, "versions": len(versions),
                  "unissued": sorted(set(versions) - set(receipts)), "audit_chain_ok": _audit_chain_ok()}
        db.session.remove()
        db.engine.dispose()
    return result


def _audit_chain_ok() -> bool | None:
    """Whether the audit log's chain survived the concurrent writers (None on a portal without one)."""
    from portal import audit
    from portal.extensions import db

    verify = getattr(audit, "verify", None)
    return None if verify is None else verify(db.session).ok


def run(args) -> dict:
    workers = args.workers or (2 if args.sqlite else 4)
    instance = Path(tempfile.mkdtemp(prefix="portal-rush-"))
    clock_file = instance / "clock"
    clock_file.write_text("0\n")
    drop = None
    server = None
    try:
        if args.sqlite:
            url = f"sqlite:///{instance / 'portal.sqlite'}"
        else:
            url, drop = scratch_database()
        env = {k: v for k, v in os.environ.items() if k not in ("UPLOAD_FOLDER", "SEARCH_INDEX_DIR", "PORTAL_ENV")}
        env.update(PORTAL_INSTANCE_PATH=str(instance), DATABASE_URL=url, SECRET_KEY="rush-" + uuid.uuid4().hex,
                   PORTAL_CLOCK_FILE=str(clock_file), PYTHONUNBUFFERED="1")
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,  # noqa: S603
                       capture_output=True)
        config = {"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": env["SECRET_KEY"]}
        # The deadline is far ahead while the enterprises sign in; then the clock is moved to a minute before it.
        deadline = (datetime.now(UTC) + timedelta(hours=2)).replace(second=0, microsecond=0)
        scenario_id, emails = populate(config, args.enterprises, deadline)
        server = start_gunicorn(env, workers, instance / "gunicorn.log")

        tally = Tally()
        people = [Enterprise(n, email, server.base, scenario_id, tally) for n, email in enumerate(emails)]
        pool = ThreadPoolExecutor(max_workers=args.enterprises)
        # Signing in is setup, not the rush: a few at a time, so slow password hashing never times out.
        with ThreadPoolExecutor(max_workers=workers * 2) as few:
            signed = list(few.map(lambda e: e.sign_in(), people))
        if not all(signed):
            raise SystemExit(f"{signed.count(False)} enterprises could not sign in:\n{server.log.read_text()[-3000:]}")

        window = args.window
        start = time.time() + 2
        offset = deadline.timestamp() - window - start
        tmp = clock_file.with_suffix(".tmp")
        tmp.write_text(f"{offset}\n")
        os.replace(tmp, clock_file)
        portal_deadline = deadline.timestamp()
        rng = random.Random(args.seed)  # noqa: S311 -- a reproducible schedule, not a secret
        late_ones = set(rng.sample(range(len(people)), min(args.late, len(people))))

        plans = {}
        for person in people:
            first = start + rng.uniform(0, window * 0.6)
            # A fifth amend in the last five seconds, the rest spread over what is left of the minute.
            amend = (start + rng.uniform(window - 5, window - 0.3) if person.n % 5 == 0
                     else rng.uniform(first + 3, start + window - 5))
            late = start + window + rng.uniform(0.2, 8) if person.n in late_ones else None
            plans[person.n] = (first, amend, late)

        def rush(person: Enterprise) -> None:
            first, amend, late = plans[person.n]
            wait_until(first)
            person.submit(person.load_form(), 1, portal_deadline, offset)
            wait_until(amend)
            person.submit(person.load_form(), 2, portal_deadline, offset)
            if late is not None:
                # The page was open before the deadline; "submit" is pressed just after it.
                wait_until(start + window - 3)
                token = person.load_form()
                wait_until(late)
                person.submit(token, 3, portal_deadline, offset)

        tally.phase = "rush"
        rush_started = time.time()
        list(pool.map(rush, people))
        rush_seconds = time.time() - rush_started
        tally.phase = "verify"
        latencies = sorted(tally.by_phase["rush"])

        owners = {p.email: p for p in people}
        verified_http = dict(zip(tally.receipts, pool.map(lambda no: owners[tally.receipts[no]].verify(no),
                                                          tally.receipts), strict=True))
        pool.shutdown()
        server.stop()
        database = check_database(config, tally.receipts, deadline)
        log_text = server.log.read_text(errors="replace")
        result = {
            "requests": len(latencies),
            "errors_5xx": tally.errors_5xx,
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1),
            "receipts_issued": len(tally.receipts),
            "proposals_stored": database["proposals"],
            "receipts_verified": sum(1 for no in tally.receipts if no in database["stored"] and verified_http[no]),
            "late_accepted": len(set(tally.late_accepted) | set(database["late_in_db"])),
            "late_refused": tally.late_refused,
            "backend": "sqlite" if args.sqlite else "postgresql",
            "workers": workers,
            "enterprises": args.enterprises,
            "versions_stored": database["versions"],
            "refused_in_time": len(tally.refused_in_time),
            "errors_other": len(tally.errors_other),
            "locked_in_responses": tally.locked_in_response,
            "locked_in_log": log_text.count(LOCKED),
            "tracebacks_in_log": log_text.count("Traceback"),
            "audit_chain_ok": database["audit_chain_ok"],
            "rush_seconds": round(rush_seconds, 1),
            "sign_in_p50_ms": round(statistics.median(tally.by_phase["sign-in"]), 1),
            "all_requests": sum(tally.statuses.values()),
        }
        if args.verbose:
            details = {"statuses": tally.statuses, "errors_other": tally.errors_other[:20],
                       "refused_in_time": tally.refused_in_time[:20], "unissued_versions": database["unissued"][:20],
                       "not_in_database": [no for no in tally.receipts if no not in database["stored"]][:20],
                       "not_verified_by_page": [no for no, ok in verified_http.items() if not ok][:20]}
            print(json.dumps(details, ensure_ascii=False), file=sys.stderr)
            if result["errors_5xx"] or result["tracebacks_in_log"]:
                print(log_text[-6000:], file=sys.stderr)
        return result
    finally:
        if server is not None:
            server.stop()
        if drop is not None:
            drop()
        if args.keep:
            print(f"instance kept at {instance}", file=sys.stderr)
        else:
            shutil.rmtree(instance, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite file with 2 workers instead of PostgreSQL")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default 4, or 2 with --sqlite)")
    parser.add_argument("--enterprises", type=int, default=200)
    parser.add_argument("--late", type=int, default=40, help="enterprises that also press submit after the deadline")
    parser.add_argument("--window", type=float, default=60.0, help="seconds from the rush's start to the deadline")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the instance folder (log, uploads)")
    parser.add_argument("--verbose", action="store_true", help="details of failures on stderr")
    args = parser.parse_args()
    result = run(args)
    print(json.dumps(result))
    ok = (result["errors_5xx"] == 0 and result["receipts_verified"] == result["receipts_issued"]
          and result["late_accepted"] == 0 and result["locked_in_responses"] == 0 and result["locked_in_log"] == 0
          and result["errors_other"] == 0 and result["audit_chain_ok"] is not False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
