import pytest

from portal.notifications.operations import notify


@pytest.fixture
def create_notification(db):
    def make(user, title="揭榜回执：城市道路病害智能巡检", body="您的方案已提交。", link=None, commit=True, **fields):
        notification = notify(user, fields.pop("kind", "receipt"), title, body, link, **fields)
        if commit:
            db.session.commit()
        return notification

    return make
