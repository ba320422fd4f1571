"""Stage the cluster check's accounts and scenarios in its fresh database, through the portal's own operations.

Run as `python -m tests.cluster.stage TAG` with one node's environment (after `flask db upgrade`); prints the
world as one JSON line. `flask create-user` cannot enrol an administrator's second factor, nor verify an
enterprise or publish a scenario, so this does what an operator and a department would have done before.
"""

import json
import sys
from datetime import timedelta

PASSWORD = "Cluster#2026pw"


def stage(tag: str) -> dict:
    from portal.accounts import operations as accounts
    from portal.accounts import two_factor
    from portal.accounts.models import Role
    from portal.extensions import db
    from portal.scenarios import operations as scenarios
    from portal.util import clock
    from portal.util.uscc import make_uscc

    real_now = clock.now()
    # The code that confirms the enrolment is spent: take it an hour back, so the sign-in's code is a new one.
    clock.set_now(real_now - timedelta(hours=1))
    admin = accounts.create_account(None, email=f"ops-{tag}@cluster.example.cn", password=PASSWORD,
                                    role=Role.ADMIN, org_name="集群检查平台运营")
    secret = two_factor.begin_enrolment(admin)
    two_factor.confirm_enrolment(admin, two_factor.code_at(secret, clock.now()))
    dept = accounts.create_account(admin, email=f"dept-{tag}@cluster.example.cn", password=PASSWORD,
                                   role=Role.GOVERNMENT, org_name="杭州市集群检查局")
    bidder = accounts.register_enterprise(org_name="杭州集群检查科技有限公司", uscc=make_uscc("91330106000424242"),
                                          district="滨江区", contact_name="联系人", phone="13800000000",
                                          email=f"bidder-{tag}@cluster.example.cn", password=PASSWORD)
    accounts.verify_enterprise(bidder.organization, admin)
    batch = scenarios.create_batch(dept, title="集群检查清单", summary="多节点检查用的清单")

    def scenario(title):
        return scenarios.create_scenario(batch, dept, title=title, sector="industrial_vision", district="滨江区",
                                         description="场景描述", requirements="<p>要求</p>", budget="100",
                                         deadline=real_now + timedelta(days=10), contact_name="联系人",
                                         contact_phone="0571-88888888")

    open_one = scenario("集群检查开放场景")
    to_cancel = scenario("集群检查待撤销场景")
    scenarios.publish_batch(batch, dept)
    clock.set_now(None)
    db.session.commit()
    return {"password": PASSWORD, "tag": tag,
            "admin": {"email": admin.email, "totp": secret}, "dept": dept.email, "bidder": bidder.email,
            "batch": batch.id, "open": open_one.id, "open_title": open_one.title,
            "to_cancel": to_cancel.id, "to_cancel_title": to_cancel.title}


if __name__ == "__main__":
    from portal import create_app

    app = create_app()
    with app.app_context():
        world = stage(sys.argv[1])
    sys.stdout.write(json.dumps(world, ensure_ascii=False) + "\n")
