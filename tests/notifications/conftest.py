import pytest

from portal.notifications.operations import notify


@pytest.fixture
def outbox(app, tmp_path):
    """A fresh outbox folder per test (the app is shared by the whole run)."""
    app.config["MAIL_SERVER"] = None
    app.config["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    app.config["PORTAL_BASE_URL"] = "https://portal.example.cn"
    return tmp_path / "outbox"


@pytest.fixture
def create_notification(db):
    def make(user, title="揭榜回执：城市道路病害智能巡检", body="您的方案已提交。", link=None, commit=True, **fields):
        notification = notify(user, fields.pop("kind", "receipt"), title, body, link, **fields)
        if commit:
            db.session.commit()
        return notification

    return make
