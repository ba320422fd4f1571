"""A PostgreSQL database of a test's own, created on the server of TEST_DATABASE_URL and dropped after."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text


@contextmanager
def scratch_postgres(server_url: str, prefix: str) -> Iterator[str]:
    """Yield the URL of a new, empty database named `prefix_<random>`; drop it (and its sessions) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
