"""Stage the black-box world in a fresh instance folder, through the portal's own operations, before it serves.

Run as `python -m tests.blackbox.stage` with the portal's environment; prints the world as one JSON line.
Everything a probe must never see before it is allowed carries MARK (bidder name, proposal text, file names).
"""

import io
import json
import os
import sys
from datetime import timedelta

from werkzeug.datastructures import FileStorage

MARK = "密封探针"        # in the sealed bidder's organisation name, its proposal text and its file names
MARK_ASCII = "SEALPROBE"
PASSWORD = "Probe#2026pw"


def _upload(data: bytes, name: str):
    from portal.uploads.storage import accept_upload

    return accept_upload(FileStorage(stream=io.BytesIO(data), filename=name))


def _bid(scenario, user, title: str, files=()):
    from portal.proposals import operations as proposals

    proposal = proposals.open_proposal(scenario, user)
    proposals.save_draft(proposal, user, {
        "title": title, "summary": f"{MARK}方案摘要 {MARK_ASCII}-SUMMARY", "approach": f"{MARK_ASCII}-APPROACH",
        "plan_months": 6, "price": "88.5", "team": f"{MARK}团队", "cases": "案例"}, files)
    submission = proposals.submit_proposal(proposal, user, declaration=True)
    return proposal, submission


def stage(tag: str) -> dict:
    """Create the world; `tag` makes every address unique, so throttling counts left in Redis by an earlier
    run (they live for an hour) never meet this one."""
    from portal.accounts import operations as accounts
    from portal.accounts import two_factor
    from portal.extensions import db
    from portal.reviews import conflicts
    from portal.reviews import queries as review_queries
    from portal.reviews import setup as review_setup
    from portal.scenarios import operations as scenarios
    from portal.util import clock
    from portal.util.uscc import make_uscc
    from tests.reviews import documents

    real_now = clock.now()
    clock.set_now(real_now - timedelta(days=6))
    admin = accounts.create_account(None, email=f"ops-{tag}@probe.example.cn", password=PASSWORD, role=Role.ADMIN,
                                    org_name="探针平台运营")
    secret = two_factor.begin_enrolment(admin)
    recovery = two_factor.confirm_enrolment(admin, two_factor.code_at(secret, clock.now()))
    second_admin = accounts.create_account(admin, email=f"ops2-{tag}@probe.example.cn", password=PASSWORD,
                                           role=Role.ADMIN, org_name="探针平台运营")
    second_secret = two_factor.begin_enrolment(second_admin)
    two_factor.confirm_enrolment(second_admin, two_factor.code_at(second_secret, clock.now()))
    dept = accounts.create_account(admin, email=f"dept-{tag}@probe.example.cn", password=PASSWORD,
                                   role=Role.GOVERNMENT, org_name="杭州市探针局")
    other_dept = accounts.create_account(admin, email=f"dept2-{tag}@probe.example.cn", password=PASSWORD,
                                         role=Role.GOVERNMENT, org_name="杭州市旁观局")
    throttled = accounts.create_account(admin, email=f"throttled-{tag}@probe.example.cn", password=PASSWORD,
                                        role=Role.GOVERNMENT, org_name="杭州市旁观局")

    def enterprise(email, name, n):
        user = accounts.register_enterprise(org_name=name, uscc=make_uscc(f"91330106{n:09d}"), district="滨江区",
                                            contact_name="联系人", phone="13800000000", email=email,
                                            password=PASSWORD)
        accounts.verify_enterprise(user.organization, admin)
        return user

    bidder = enterprise(f"bidder-{tag}@probe.example.cn", f"杭州{MARK}科技有限公司", 424242)
    rival = enterprise(f"rival-{tag}@probe.example.cn", "杭州旁观科技有限公司", 434343)
    # The bidder's company under another spelling: brackets, a district and another company form.
    conflicted = conflicts.create_reviewer(admin, email=f"conflicted-{tag}@probe.example.cn", password=PASSWORD,
                                           name="回避专家", employer=f"{MARK}科技（滨江）有限责任公司")
    fair = [conflicts.create_reviewer(admin, email=f"fair{n}-{tag}@probe.example.cn", password=PASSWORD,
                                      name=f"专家{n}", employer=f"探针大学{n}") for n in range(2)]

    batch = scenarios.create_batch(dept, title="探针清单", summary="黑盒探针用的清单", proposal_cap=20)

    def scenario(title, deadline):
        return scenarios.create_scenario(batch, dept, title=title, sector="industrial_vision", district="滨江区",
                                         description="场景描述", requirements="<p>要求</p>", budget="100",
                                         deadline=deadline, contact_name="联系人", contact_phone="0571-88888888")

    open_one = scenario("探针开放场景", real_now + timedelta(days=10))
    cancelled = scenario("探针撤销场景", real_now - timedelta(days=1))
    closed = scenario("探针评审场景", real_now - timedelta(days=2))
    to_cancel = scenario("探针待撤销场景", real_now + timedelta(days=1))
    scenarios.publish_batch(batch, dept)

    open_proposal, open_submission = _bid(
        open_one, bidder, f"{MARK}开放方案 {MARK_ASCII}-TITLE",
        [_upload(documents.pdf(), f"{MARK_ASCII}-open.pdf")])
    to_cancel_proposal, _ = _bid(to_cancel, bidder, f"{MARK}待撤销方案 {MARK_ASCII}-TO-CANCEL",
                                 [_upload(documents.pdf(), f"{MARK_ASCII}-to-cancel.pdf")])
    cancelled_proposal, _ = _bid(cancelled, bidder, f"{MARK}撤销方案 {MARK_ASCII}-CANCELLED",
                                 [_upload(documents.pdf(), f"{MARK_ASCII}-cancelled.pdf")])
    closed_files = [_upload(documents.docx(), "方案.docx"), _upload(documents.xlsx(), "报价.xlsx"),
                    _upload(documents.pdf(), "说明.pdf"), _upload(documents.jpeg(), "现场.jpg"),
                    _upload(documents.png(), "截图.png")]
    closed_proposal, _ = _bid(closed, bidder, "评审方案", closed_files)
    rival_proposal, _ = _bid(closed, rival, "旁观方案")
    clock.set_now(real_now - timedelta(days=5))
    scenarios.cancel_scenario(cancelled, dept, "需求调整，另行发布")

    clock.set_now(real_now - timedelta(days=1))
    scenarios.close_if_due(closed)
    review_setup.save_setup(closed, dept, blind=True, criteria=[("技术", 40), ("可行", 30), ("团队", 20), ("经济", 10)])
    conflicts.assign_reviewers(closed, dept, [conflicted, *fair])
    closed_reviews = {(r.reviewer.email, r.proposal_id): r.id for r in review_queries.scenario_reviews(closed)}
    for review in review_queries.scenario_reviews(closed):
        if review.reviewer_id == fair[0].id and review.proposal_id == closed_proposal.id:
            conflicts.declare(review, fair[0], conflict=False)
    clock.set_now(None)
    db.session.commit()
    return {
        "password": PASSWORD, "mark": MARK, "mark_ascii": MARK_ASCII,
        "admin": {"email": admin.email, "totp": secret, "recovery": recovery},
        "admin2": {"email": second_admin.email, "totp": second_secret, "id": second_admin.id},
        "dept": dept.email, "other_dept": other_dept.email, "other_dept_id": other_dept.id,
        "throttled": throttled.email, "tag": tag, "bidder": bidder.email, "rival": rival.email,
        "conflicted": conflicted.email, "fair": [u.email for u in fair],
        "open": {"scenario": open_one.id, "proposal": open_proposal.id,
                 "attachments": [a.id for a in open_proposal.current_attachments],
                 "receipt": open_submission.version.receipt_no, "digest": open_submission.version.digest},
        "to_cancel": {"scenario": to_cancel.id, "proposal": to_cancel_proposal.id,
                      "attachments": [a.id for a in to_cancel_proposal.current_attachments]},
        "cancelled": {"scenario": cancelled.id, "proposal": cancelled_proposal.id,
                      "attachments": [a.id for a in cancelled_proposal.current_attachments]},
        "closed": {"scenario": closed.id, "proposal": closed_proposal.id, "rival_proposal": rival_proposal.id,
                   "reviews": [{"reviewer": email, "proposal": pid, "id": rid}
                               for (email, pid), rid in closed_reviews.items()]},
        "batch": batch.id, "bidder_org": bidder.organization_id,
    }


if __name__ == "__main__":
    from portal import create_app
    from portal.accounts.models import Role

    app = create_app()
    with app.app_context():
        world = stage(os.environ.get("BLACKBOX_TAG") or os.urandom(4).hex())
    sys.stdout.write(json.dumps(world, ensure_ascii=False) + "\n")
