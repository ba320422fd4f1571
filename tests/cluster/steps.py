"""The steps of the multi-node contract, shared by tests/cluster/test_cluster.py and bench/cluster.py.

`Contract.run()` goes through every step in order and records each one's outcome and timings (a step that fails
does not stop the steps after it, unless they need what it made), so one run says which parts of the contract
hold. The Monitor's samples are judged at the end: no 5xx, no error, nothing over 2 s on any node.
"""

import re
import time
from dataclasses import dataclass, field

import pyotp
import requests

from tests.cluster.harness import (
    GROUP_SIZE,
    SLOW,
    Catalogue,
    Client,
    Cluster,
    ClusterError,
    Monitor,
    Node,
    wait_for,
    write_products,
)

FOUND_WITHIN = 30.0      # seconds: an import is found on every other node
GONE_WITHIN = 5.0        # seconds: a revocation or a cancellation shows on every other node's anonymous pages
SYNONYM_WITHIN = 10.0    # seconds: a synonym added on one node is used by the others
READY_WITHIN = 60.0      # seconds: a new node's worker builds its index
ATTACHMENT = re.compile(r'href="/attachments/(\d+)"')
CARD = '<article class="card h-100 scenario-card">'


@dataclass
class Step:
    name: str
    ok: bool = False
    detail: str = ""
    timings: dict = field(default_factory=dict)


class Contract:
    def __init__(self, cluster: Cluster, products: int, later_nodes: int = 1, first_nodes: int = 2,
                 echo=None, patience: float = 1.0, budget: float | None = None):
        """`patience` > 1 waits that many times the contract's limits, to measure how late a late thing is
        (the bench); a step still fails when its thing came after the contract's limit. `budget` (seconds)
        bounds the whole run: waits are cut short so that it ends about then, whatever fails."""
        self.cluster = cluster
        self.patience = patience
        self.deadline = time.monotonic() + budget if budget else None
        self.products = products
        self.first_names = [chr(ord("A") + i) for i in range(first_nodes)]
        self.later_names = [chr(ord("A") + first_nodes + i) for i in range(later_nodes)]
        self.steps: list[Step] = []
        self.begun: list[tuple[float, str]] = []
        self.started = time.monotonic()
        self.echo = echo or (lambda line: None)
        self.world: dict = {}
        self.catalogue: Catalogue | None = None
        self.monitor: Monitor | None = None
        self.attachment: dict = {}

    def limit(self, seconds: float) -> float:
        """How long a wait of the contract's `seconds` may last now."""
        seconds *= self.patience
        if self.deadline is not None:
            seconds = min(seconds, max(self.deadline - time.monotonic(), 1.0))
        return seconds

    # --- bookkeeping ----------------------------------------------------------------------------------

    def step(self, name: str) -> Step:
        step = Step(name)
        self.steps.append(step)
        self.begun.append((time.monotonic(), name))
        return step

    def during(self, at: float) -> str:
        """The step that was running at `at` (time.monotonic())."""
        names = [name for started, name in self.begun if started <= at]
        return names[-1] if names else "start"

    def _done(self, step: Step, ok: bool, detail: str = "", **timings) -> bool:
        step.ok, step.detail = ok, detail
        step.timings.update({k: round(v, 2) if isinstance(v, float) else v for k, v in timings.items()})
        shown = " ".join(f"{k}={v}" for k, v in step.timings.items())
        elapsed = time.monotonic() - self.started
        self.echo(f"[{'ok' if ok else 'FAIL'} +{elapsed:.0f}s] {step.name} {shown} {detail}".rstrip())
        return ok

    @property
    def failed(self) -> list[Step]:
        return [s for s in self.steps if not s.ok]

    def report(self) -> str:
        lines = [f"{'ok  ' if s.ok else 'FAIL'} {s.name}: {s.detail} {s.timings or ''}".rstrip() for s in self.steps]
        return "\n".join(lines)

    @property
    def first(self) -> list[Node]:
        return [self.cluster.nodes[n] for n in self.first_names]

    @property
    def a(self) -> Node:
        return self.first[0]

    @property
    def others(self) -> list[Node]:
        return self.first[1:]

    def anonymous(self, node: Node) -> Client:
        return self.cluster.client(node, address="10.7.0.1")

    # --- the run ----------------------------------------------------------------------------------------

    def run(self, monitor_paths_extra: list[str] | None = None) -> None:
        for name in self.first_names:
            self.cluster.node(name)
        if not self.upgrade():
            return
        self.world = self.cluster.stage(self.a)
        self.start_first(monitor_paths_extra or [])
        try:
            if not self.import_products():
                return
            for step in (self.revoke_and_cancel, self.synonym, self.upload_and_backup,
                         *[lambda n=name: self.later_node(n) for name in self.later_names]):
                if self.deadline is not None and time.monotonic() > self.deadline:
                    self._done(self.step("the remaining steps"), False, "not run: out of the run's time budget")
                    break
                step()
        finally:
            self.monitor.stop()
            self.judge_monitor()

    def upload_and_backup(self) -> None:
        if self.upload():
            self.backup_refuses()

    def upgrade(self) -> bool:
        step = self.step("db upgrade from two nodes at once")
        started = time.monotonic()
        results = self.cluster.run_together(self.first[:2], ["db", "upgrade"], timeout=120)
        problems = [f"node {n.name}: {r}" if isinstance(r, ClusterError) else
                    f"node {n.name} exited {r.returncode}: {r.stderr[-1500:]}"
                    for n, r in zip(self.first, results, strict=False)
                    if isinstance(r, ClusterError) or r.returncode != 0]
        return self._done(step, not problems, "; ".join(problems), seconds=time.monotonic() - started)

    def start_first(self, extra_paths: list[str]) -> None:
        step = self.step("first nodes start, their workers build their indexes")
        started = time.monotonic()
        for node in self.first:
            node.start_web()
            node.start_worker()
        for node in self.first:
            node.wait_serving()
        paths = ["/", "/scenarios", f"/scenarios/{self.world['open']}", "/products?q=机器人", "/search?q=机器人",
                 "/api/v1/products?q=激光雷达", "/healthz", *extra_paths]
        self.monitor = Monitor(self.cluster, paths)
        for node in self.first:
            self.monitor.watch(node)
        waits, problems = {}, []
        for node in self.first:
            ready, seconds = wait_for(lambda n=node: self._ready(n), self.limit(READY_WITHIN), pause=0.5)
            waits[f"{node.name}_ready_s"] = seconds
            if not ready:
                problems.append(f"node {node.name}: /readyz not 200 within {READY_WITHIN:.0f} s")
            try:
                node.check_worker()
            except ClusterError as error:
                problems.append(str(error).splitlines()[0])
        self._done(step, not problems, "; ".join(problems), start_s=time.monotonic() - started, **waits)

    def _ready(self, node: Node) -> bool:
        try:
            return self.anonymous(node).get("/readyz").status_code == 200
        except requests.RequestException:
            return False

    # --- import ---------------------------------------------------------------------------------------

    def import_products(self) -> bool:
        step = self.step(f"import of {self.products} products on {self.a.name}")
        path = self.cluster.folder / "products.csv"
        self.catalogue = write_products(path, self.products, self.cluster.tag)
        started = time.monotonic()
        done = self.cluster.run(self.a, ["import-products", str(path)], timeout=600)
        seconds = time.monotonic() - started
        if done.returncode != 0:
            return self._done(step, False, f"exit {done.returncode}: {done.stderr[-1500:]}", import_s=seconds)
        self._done(step, True, done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "", import_s=seconds)
        for node in self.cluster.nodes.values():
            if node.name in self.first_names:
                self.found_everywhere(node)
        return True

    def _missing(self, client: Client, pending: dict[str, set[str]]) -> None:
        """Drop from `pending` the groups whose every product the node's search finds."""
        for word in list(pending):
            response = client.get("/api/v1/products", params={"q": word, "per_page": 100})
            if response.status_code != 200:
                continue
            found = {item["model"] for item in response.json()["items"]}
            if pending[word] <= found:
                del pending[word]

    def found_everywhere(self, node: Node) -> None:
        step = self.step(f"every imported product found by search on {node.name}")
        client = self.anonymous(node)
        pending = {word: set(models) for word, models in self.catalogue.groups.items()}

        def all_found():
            self._missing(client, pending)
            return not pending

        found, seconds = wait_for(all_found, self.limit(FOUND_WITHIN), pause=0.5)
        if not found:
            detail = (f"{len(pending)} of {len(self.catalogue.groups)} groups of {GROUP_SIZE} still incomplete "
                      f"after {seconds:.0f} s (e.g. {next(iter(pending))})")
        else:
            detail = "" if seconds <= FOUND_WITHIN else f"found after {seconds:.1f} s, over {FOUND_WITHIN:.0f} s"
        self._done(step, bool(found) and seconds <= FOUND_WITHIN, detail, found_s=seconds if found else None)

    # --- revocation and cancellation ------------------------------------------------------------------

    def sign_in(self, node: Node, who: str) -> Client:
        email = self.world[who]["email"] if isinstance(self.world[who], dict) else self.world[who]
        client = self.cluster.client(node, address=f"10.6.{len(self.steps)}.1")
        response = client.submit("/login", {"email": email, "password": self.world["password"]})
        if response.status_code != 302:
            raise ClusterError(f"{who} could not sign in on {node.name}: {response.status_code}")
        if response.headers["Location"].startswith("/login/verify"):
            code = pyotp.TOTP(self.world["admin"]["totp"]).now()
            response = client.submit("/login/verify", {"code": code})
            if response.status_code != 302:
                raise ClusterError(f"{who}'s second step refused on {node.name}: {response.status_code}")
        return client

    def product_id(self, node: Node, model: str) -> int | None:
        response = self.anonymous(node).get("/api/v1/products", params={"q": model, "per_page": 5})
        if response.status_code != 200:
            return None
        return next((item["id"] for item in response.json()["items"] if item["model"] == model), None)

    def revoke_and_cancel(self) -> None:
        step = self.step(f"a product revoked and a scenario cancelled on {self.a.name}")
        model = self.catalogue.rows[0]["model"]
        product = self.product_id(self.a, model)
        scenario = self.world["to_cancel"]
        others = [n for n in self.cluster.nodes.values() if n is not self.a and n.name in self.first_names]
        try:
            if product is None:
                raise ClusterError(f"product {model} not found on {self.a.name}")
            # Every view the check reads afterwards is read before too (a page cache keeps it from here on).
            for node in others:
                client = self.anonymous(node)
                if not self._product_public(client, product, model):
                    raise ClusterError(f"product {product} not public on {node.name} before its revocation")
                if self._scenario_cancelled(client, scenario) is not False:
                    raise ClusterError(f"scenario {scenario} shown 已撤销 on {node.name} before its cancellation")
            admin = self.sign_in(self.a, "admin")
            revoked = admin.submit(f"/review/products/{product}/revoke", {"reason": "集群检查撤销"},
                                   form_page=f"/products/{product}")
            revoked_at = time.monotonic()
            dept = self.sign_in(self.a, "dept")
            cancelled = dept.submit(f"/manage/scenarios/{scenario}/cancel", {"reason": "集群检查撤销场景"})
            cancelled_at = time.monotonic()
        except (ClusterError, requests.RequestException) as error:
            self._done(step, False, str(error))
            return
        problems = [f"{what} answered {r.status_code}" for what, r in (("revoke", revoked), ("cancel", cancelled))
                    if r.status_code != 302]
        if not self._done(step, not problems, "; ".join(problems)):
            return
        self.admin = admin
        for node in others:
            self.gone_on(node, product, model, scenario, revoked_at, cancelled_at)

    def _product_public(self, client: Client, product: int, model: str) -> bool | None:
        """True when every anonymous view shows the product, False when none does, None in between."""
        seen = [client.get(f"/products/{product}").status_code == 200,
                client.get(f"/api/v1/products/{product}").status_code == 200]
        listed = client.get("/api/v1/products", params={"q": model, "per_page": 5})
        seen.append(listed.status_code == 200 and any(i["model"] == model for i in listed.json()["items"]))
        page = client.get("/search", params={"q": model})
        seen.append(page.status_code == 200 and f'href="/products/{product}"' in page.text)
        return True if all(seen) else False if not any(seen) else None

    def _scenario_cancelled(self, client: Client, scenario: int) -> bool | None:
        """True when its page and its card on the public list say 已撤销, False when neither does."""
        detail = client.get(f"/scenarios/{scenario}")
        listed = client.get("/scenarios")
        cards = [card for card in listed.text.split(CARD) if self.world["to_cancel_title"] in card]
        seen = [detail.status_code == 200 and "该场景已撤销" in detail.text,
                listed.status_code == 200 and len(cards) == 1 and "已撤销" in cards[0]]
        return True if all(seen) else False if not any(seen) else None

    def gone_on(self, node: Node, product: int, model: str, scenario: int, revoked: float, cancelled: float) -> None:
        """Seconds from each action's answer on the first node until every anonymous view of `node` shows it."""
        step = self.step(f"revoked product gone and cancelled scenario shown 已撤销 on {node.name}")
        client = self.anonymous(node)
        gone_at = shown_at = None
        while time.monotonic() - cancelled <= self.limit(GONE_WITHIN) and (gone_at is None or shown_at is None):
            if gone_at is None and self._product_public(client, product, model) is False:
                gone_at = time.monotonic() - revoked
            if shown_at is None and self._scenario_cancelled(client, scenario):
                shown_at = time.monotonic() - cancelled
            time.sleep(0.2)
        problems = []
        for what, seconds in (("revoked product gone", gone_at), ("cancelled scenario shown", shown_at)):
            if seconds is not None and seconds > GONE_WITHIN:
                problems.append(f"{what} after {seconds:.1f} s, over {GONE_WITHIN:.0f} s")
        if gone_at is None:
            problems.append(f"product {product} still public (in part) after {self.limit(GONE_WITHIN):.0f} s")
        if shown_at is None:
            problems.append(f"scenario {scenario} not shown 已撤销 on its page and on the list after "
                            f"{self.limit(GONE_WITHIN):.0f} s")
        self._done(step, not problems, "; ".join(problems), revoked_gone_s=gone_at, cancel_shown_s=shown_at)

    # --- synonyms -------------------------------------------------------------------------------------

    def synonym(self) -> None:
        word, target = f"cqsyn{self.cluster.tag}", self.catalogue.group_word(1)
        expected = self.catalogue.groups[target]
        step = self.step(f"synonym added on {self.a.name} used by the other nodes")
        others = [n for n in self.cluster.nodes.values() if n is not self.a and n.name in self.first_names]
        before = {n.name: self.anonymous(n).get("/api/v1/products", params={"q": word, "per_page": 3}).json()
                  for n in others}
        if any(b.get("total") for b in before.values()):
            self._done(step, False, f"'{word}' finds products before the synonym exists: {before}")
            return
        try:
            admin = getattr(self, "admin", None) or self.sign_in(self.a, "admin")
            saved = admin.submit("/admin/catalogue/synonyms", {"text": f"{word}, {target}\n"})
        except (ClusterError, requests.RequestException) as error:
            self._done(step, False, str(error))
            return
        if saved.status_code != 302:
            self._done(step, False, f"saving the synonym answered {saved.status_code}")
            return
        problems, timings = [], {}
        for node in [self.a, *others]:
            client = self.anonymous(node)

            def used(c=client):
                response = c.get("/api/v1/products", params={"q": word, "per_page": 100})
                return response.status_code == 200 and expected <= {i["model"] for i in response.json()["items"]}

            ok, seconds = wait_for(used, self.limit(SYNONYM_WITHIN), pause=0.5)
            timings[f"{node.name}_s"] = seconds if ok else None
            if not ok:
                problems.append(f"'{word}' does not find '{target}' on {node.name} after {seconds:.0f} s")
            elif seconds > SYNONYM_WITHIN:
                problems.append(f"'{word}' finds '{target}' on {node.name} after {seconds:.1f} s, "
                                f"over {SYNONYM_WITHIN:.0f} s")
        self._done(step, not problems, "; ".join(problems), **timings)

    # --- a file ---------------------------------------------------------------------------------------

    def upload(self) -> bool:
        from tests.reviews import documents

        b = self.others[0] if self.others else self.a
        step = self.step(f"file uploaded on {self.a.name}, downloaded on {b.name}")
        scenario = self.world["open"]
        before = {p.name for p in self.cluster.uploads.iterdir()}
        display = f"集群检查附件{self.cluster.tag}.pdf"
        try:
            bidder = self.sign_in(self.a, "bidder")
            page = f"/scenarios/{scenario}/proposal"
            saved = bidder.post(page, data={"csrf_token": bidder.token(page), "title": "集群检查方案",
                                            "summary": "摘要", "save": "保存草稿"},
                                files={"attachments": (display, documents.pdf(), "application/pdf")})
            if saved.status_code != 302:
                raise ClusterError(f"saving the draft with its file answered {saved.status_code}")
            new = sorted({p.name for p in self.cluster.uploads.iterdir()} - before - {".portal-upload-folder"})
            if len(new) != 1:
                raise ClusterError(f"expected one new file in UPLOAD_FOLDER, found {new}")
            stored = self.cluster.uploads / new[0]
            on_b = bidder.on(b)
            shown = on_b.get(page)
            ids = ATTACHMENT.findall(shown.text)
            if shown.status_code != 200 or not ids:
                raise ClusterError(f"{b.name} shows no attachment link on {page} ({shown.status_code})")
            download = on_b.get(f"/attachments/{ids[-1]}")
        except (ClusterError, requests.RequestException) as error:
            return self._done(step, False, str(error))
        self.attachment = {"stored": stored.name, "display": display, "path": stored}
        ok = download.status_code == 200 and download.content == stored.read_bytes()
        return self._done(step, ok, "" if ok else f"download on {b.name} answered {download.status_code}, "
                                                  f"{len(download.content)} bytes (stored {stored.stat().st_size})")

    def backup_refuses(self) -> None:
        node = self.others[0] if self.others else self.a
        step = self.step(f"backup on {node.name} refuses while an uploaded file is missing")
        self.attachment["path"].unlink()
        target = self.cluster.folder / "backup"
        done = self.cluster.run(node, ["backup", str(target)], timeout=300)
        said = done.stdout + done.stderr
        named = self.attachment["stored"] in said or self.attachment["display"] in said
        problems = []
        if done.returncode == 0:
            problems.append("exit 0")
        if not named:
            problems.append(f"the output names neither {self.attachment['stored']} nor {self.attachment['display']}:"
                            f" {said[-800:]}")
        self._done(step, not problems, "; ".join(problems), exit=done.returncode)

    # --- a node started later -------------------------------------------------------------------------

    def later_node(self, name: str) -> None:
        node = self.cluster.node(name)
        reference = self.others[0] if self.others else self.a
        step = self.step(f"node {name} started later with an empty index")
        word = self.catalogue.group_word(len(self.catalogue.groups) // 2)
        listed = self.anonymous(reference).get("/api/v1/products", params={"q": word, "per_page": 100})
        expected = {item["id"] for item in listed.json()["items"]} if listed.status_code == 200 else set()
        node.start_web()
        problems, timings = [], {}
        try:
            node.wait_serving()
        except ClusterError as error:
            self._done(step, False, str(error))
            return
        client = self.anonymous(node)
        started = time.perf_counter()
        try:
            first = client.get("/search", params={"q": word})
            status, text = first.status_code, first.text
        except requests.RequestException as error:
            status, text = None, str(error)
        timings["first_search_s"] = time.perf_counter() - started
        if status != 200 or timings["first_search_s"] > SLOW:
            problems.append(f"first search answered {status} in {timings['first_search_s']:.2f} s")
        elif not any(f'href="/products/{product}"' in text for product in expected):
            problems.append("first search (from the database) shows none of the products it should find")
        try:
            readyz = client.get("/readyz").status_code
        except requests.RequestException as error:
            readyz = str(error)
        if readyz != 503:
            problems.append(f"/readyz answered {readyz} before the worker built the index (expected 503)")
        self.monitor.watch(node)
        node.start_worker()
        ready, seconds = wait_for(lambda: self._ready(node), self.limit(READY_WITHIN), pause=0.5)
        timings["ready_s"] = time.monotonic() - node.started_at if ready else None
        timings["worker_build_s"] = seconds if ready else None
        if not ready:
            problems.append(f"/readyz not 200 within {READY_WITHIN:.0f} s of starting its worker")
            try:
                node.check_worker()
            except ClusterError as error:
                problems.append(str(error).splitlines()[0])
        else:
            for q in (word, "机器人", "激光雷达", self.catalogue.rows[-1]["model"]):
                difference = self._differ(client, self.anonymous(reference), q)
                if difference:
                    problems.append(f"'{q}': {name} and {reference.name} differ: {difference}")
        self._done(step, not problems, "; ".join(problems), **timings)

    @staticmethod
    def _differ(mine: Client, theirs: Client, q: str) -> str:
        """How two nodes' answers to one search differ ('' when they agree): totals always, and the products
        found when they fit on one page. (Equal scores are ranked in index order, which differs between
        indexes built at different times, so the order is not compared.)"""
        answers = []
        for client in (mine, theirs):
            response = client.get("/api/v1/products", params={"q": q, "per_page": 100})
            if response.status_code != 200:
                return f"{client.node.name} answered {response.status_code}"
            body = response.json()
            answers.append((body["total"], body["total_exact"], {i["id"] for i in body["items"]}))
        (total, exact, ids), (their_total, their_exact, their_ids) = answers
        if (total, exact) != (their_total, their_exact):
            return f"total {total} (exact {exact}) against {their_total} (exact {their_exact})"
        if total <= 100 and ids != their_ids:
            return (f"only {mine.node.name}: {sorted(ids - their_ids)[:10]}, "
                    f"only {theirs.node.name}: {sorted(their_ids - ids)[:10]}")
        return ""

    # --- the monitor's verdict -------------------------------------------------------------------------

    def judge_monitor(self) -> None:
        step = self.step("no 5xx, no error and no request over 2 s on any node throughout")
        bad = self.cluster.samples.bad()
        summary = self.cluster.samples.summary()
        shown = "; ".join(f"{s.node} {s.path} -> {s.status or s.error} in {s.seconds:.2f} s (during: "
                          f"{self.during(s.at)})" for s in bad[:12])
        more = f" (and {len(bad) - 12} more)" if len(bad) > 12 else ""
        self._done(step, not bad, f"{len(bad)} bad: {shown}{more}" if bad else "", **{
            f"{n}": f"{v['requests']} req, 5xx {v['5xx']}, err {v['errors']}, max {v['max_s']} s, p99 {v['p99_s']} s"
            for n, v in summary.items()})
