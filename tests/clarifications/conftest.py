from datetime import timedelta

import pytest

from portal.accounts.models import Role
from portal.clarifications import operations
from portal.util import clock
from tests.factories import _owner_of


@pytest.fixture
def scenario(db, create_scenario):
    """An open scenario: proposals until ten days from now, questions until seven days from now."""
    return create_scenario(state="published", deadline=clock.now() + timedelta(days=10))


@pytest.fixture
def owner(scenario):
    return _owner_of(scenario.batch)


@pytest.fixture
def asker(db, create_user, create_org):
    return create_user(Role.ENTERPRISE, org=create_org(name="杭州提问科技有限公司"))


@pytest.fixture
def ask(db):
    """Ask through the operation and commit, as a request would."""

    def make(scenario, user, text="验收时识别准确率按什么样本测定？"):
        question = operations.ask_question(scenario, user, text)
        db.session.commit()
        return question

    return make


@pytest.fixture
def answered(db, ask, scenario, owner, asker):
    question = ask(scenario, asker, "杭州提问科技有限公司想问：样本由谁提供？")
    operations.answer_question(question, owner, "样本由发布单位提供，共 2000 张。", "样本由谁提供？")
    db.session.commit()
    return question
