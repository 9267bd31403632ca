"""Chorus: employee advocacy with built-in certification gating."""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

try:
    __version__ = version("chorus")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"


class IdConverter(IntegerConverter):
    """`<id:name>`: a database id, so 1 to 2**31 - 1; anything else is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs) -> None:
        super().__init__(map, min=1, max=2**31 - 1)


MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config_overrides: Mapping | None = None) -> Flask:
    """Build the app: settings from the environment, then `config_overrides` (tests)."""
    from advocacy import cli, errors_views, security, tasks, templating
    from advocacy.config import load_settings
    from advocacy.extensions import csrf, db, login_manager, migrate

    # Tests keep theirs apart; CHORUS_INSTANCE_PATH moves it (a server started by the tests).
    instance_path = (config_overrides or {}).get("INSTANCE_PATH") or os.environ.get(
        "CHORUS_INSTANCE_PATH"
    )
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(load_settings(Path(app.instance_path), overrides=config_overrides))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    app.url_map.converters["id"] = IdConverter
    _quiet_token_loggers()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    security.init_app(app, login_manager)
    errors_views.init_app(app)
    _register_blueprints(app)
    cli.init_app(app)
    tasks.init_app(app)
    templating.init_app(app)
    _wrap_wsgi_app(app)
    return app


def _wrap_wsgi_app(app: Flask) -> None:
    """WSGI middleware, innermost first: the lean /s/<code> path inside ProxyFix, so both
    it and Flask see the forwarded address; the sandbox outside both, as its own app."""
    from advocacy.links.lean import LeanRedirects

    app.wsgi_app = LeanRedirects(app, app.wsgi_app)
    if app.config["TRUST_PROXY_HEADERS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    _mount_sandbox(app)


def _mount_sandbox(app: Flask) -> None:
    """Demo mode: networks without credentials talk to the sandbox, served in this process
    under /_sandbox for the browser and reached in-process by the connectors."""
    from advocacy.services.networks import NETWORKS, uses_sandbox

    if not any(uses_sandbox(app.config, name) for name in NETWORKS):
        return
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from advocacy import clock
    from connectors.sandbox import create_sandbox
    from connectors.sandbox.state import SandboxState
    from connectors.sandbox.transport import LINKEDIN_ROUTES, X_ROUTES, mount_sandbox

    # One state file for the web server, the CLI and workers; tests keep theirs in memory
    # unless they name a file (SANDBOX_STATE_FILE) to share with worker processes.
    # The sandbox keeps the app's clock, so a test that moves time moves the networks too.
    state_file = app.config.get("SANDBOX_STATE_FILE") or (
        None if app.config.get("TESTING") else Path(app.instance_path) / "sandbox.json"
    )
    sandbox = create_sandbox(
        SandboxState(path=str(state_file) if state_file else None, now=clock.now),
        control_endpoints=False,
        redirect_prefixes=(app.config["BASE_URL"] + "/networks/",),
    )
    routes = {**X_ROUTES, **LINKEDIN_ROUTES}
    app.extensions["chorus_sandbox"] = sandbox
    app.extensions["chorus_sandbox_mount"] = lambda session: mount_sandbox(
        session, sandbox, routes=routes
    )
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/_sandbox": sandbox})


def _quiet_token_loggers() -> None:
    """tweepy and requests-oauthlib log headers and token responses at DEBUG: never let
    them, whatever the root level is, so no token reaches a log."""
    import logging

    for name in ("tweepy", "requests_oauthlib", "oauthlib", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _register_blueprints(app: Flask) -> None:
    from advocacy.admin.views import bp as admin_bp
    from advocacy.auth.views import bp as auth_bp
    from advocacy.content.views import bp as content_bp
    from advocacy.core.views import bp as core_bp
    from advocacy.dashboards.assets import bp as assets_bp
    from advocacy.dashboards.views import bp as dashboards_bp
    from advocacy.feed.views import bp as feed_bp
    from advocacy.links import views as links
    from advocacy.networks.views import bp as networks_bp
    from advocacy.screening.views import bp as screening_bp
    from advocacy.training.views import bp as training_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(training_bp)
    app.register_blueprint(networks_bp)
    app.register_blueprint(content_bp)
    app.register_blueprint(feed_bp)
    app.register_blueprint(screening_bp, url_prefix="/admin")
    app.register_blueprint(dashboards_bp)
    app.register_blueprint(assets_bp)
    links.init_app(app)
