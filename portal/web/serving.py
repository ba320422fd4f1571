"""How many processes serve the portal, and whether the throttling counts are shared between them.

Flask-Limiter's memory:// storage counts in each worker process: with four gunicorn workers an attacker gets
four times the sign-in attempts (measured: 20 of 30 failed sign-ins for one account went through, not 5). In
production, more than one worker therefore needs a shared store (RATELIMIT_STORAGE_URI=redis://…) and the
portal refuses to start without one; elsewhere it says so in the log.

The worker count is known for certain to gunicorn's master, which calls `on_starting` (gunicorn.conf.py at
the top of the project uses it); a worker loading the app reads it from gunicorn's own command line,
GUNICORN_CMD_ARGS, the config file those name (or ./gunicorn.conf.py) and WEB_CONCURRENCY, in gunicorn's order
of precedence, in case another config file is used.
"""

import importlib
import logging
import os
import runpy
import shlex
import sys
from pathlib import Path

from portal.config import ROOT, ConfigError

log = logging.getLogger(__name__)


def _config_file_workers(location: str) -> int | None:
    """`workers` as a gunicorn config file sets it: gunicorn runs the file (or imports `python:module`), and
    so does this, since the count is often computed there (cpu_count() * 2 + 1)."""
    try:
        if location.startswith("python:"):
            values = vars(importlib.import_module(location.removeprefix("python:")))
        else:
            values = runpy.run_path(location, run_name="__config__")
        workers = values.get("workers")
        return int(workers) if workers is not None else None
    except Exception:  # gunicorn itself reports a config file it cannot read; this check only looks
        log.warning("could not read the worker count from %s", location, exc_info=True)
        return None


def gunicorn_workers(argv: list[str] | None = None, environ=None, cwd: str | None = None) -> int | None:
    """The number of gunicorn workers this process belongs to, or None when it is not run by gunicorn."""
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    if not argv or not Path(argv[0]).name.startswith("gunicorn"):
        return None
    from gunicorn.config import Config

    parser = Config().parser()
    try:
        workers = int(environ.get("WEB_CONCURRENCY") or 1)
    except ValueError:
        workers = 1
    sources = []
    for args in (shlex.split(environ.get("GUNICORN_CMD_ARGS", "")), argv[1:]):
        try:
            sources.append(parser.parse_known_args(args)[0])
        except SystemExit:  # argparse gave up on something gunicorn itself will report
            continue
    # As gunicorn: the config file named on the command line, else in GUNICORN_CMD_ARGS, else ./gunicorn.conf.py
    # (the working directory is already the one --chdir chose), then GUNICORN_CMD_ARGS, then the command line.
    named = [parsed.config for parsed in reversed(sources) if getattr(parsed, "config", None)]
    default = Path(cwd or os.getcwd()) / "gunicorn.conf.py"
    location = named[0] if named else (str(default) if default.exists() else None)
    if location is not None and (from_file := _config_file_workers(location)) is not None:
        workers = from_file
    for parsed in sources:
        if parsed.workers is not None:
            workers = parsed.workers
    return workers


def throttle_storage_problem(config, workers: int | None) -> str | None:
    """Why throttling would not hold with `workers` processes, or None when it does."""
    if not workers or workers <= 1 or not config.get("RATELIMIT_ENABLED", True):
        return None
    if not str(config.get("RATELIMIT_STORAGE_URI", "memory://")).startswith("memory://"):
        return None
    return (f"{workers} worker processes would each count sign-in, reset, registration and two-factor attempts in "
            f"their own memory (RATELIMIT_STORAGE_URI=memory://), giving an attacker {workers} times the allowed "
            "attempts. Set RATELIMIT_STORAGE_URI to a shared store, e.g. redis://127.0.0.1:6379/0.")


def check_throttle_storage(config, workers: int | None, logger: logging.Logger = log) -> None:
    """Refuse (production) or warn (elsewhere) when several workers would each keep their own counts."""
    problem = throttle_storage_problem(config, workers)
    if problem is None:
        return
    if config.get("PORTAL_ENV") == "production":
        raise ConfigError(f"PORTAL_ENV=production: {problem}")
    logger.warning("throttling is not shared: %s", problem)


def on_starting(server) -> None:
    """gunicorn hook (master, before any worker starts): stop at once when throttling would not be shared."""
    from portal.config import build_config

    instance = Path(os.environ.get("PORTAL_INSTANCE_PATH") or ROOT / "instance")
    try:
        check_throttle_storage(build_config(instance), server.cfg.workers, server.log)
    except ConfigError as error:
        server.log.error("%s", error)
        raise SystemExit(1) from error
