"""A local emulation of the X API v2 and LinkedIn REST endpoints Chorus uses.

`create_sandbox()` returns a standalone WSGI app: the X API under `/x`, LinkedIn under
`/linkedin`, each keeping the real paths below that prefix. It also works mounted under a
prefix (werkzeug's DispatcherMiddleware), because every URL it builds comes from url_for.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from connectors.sandbox.state import HANDLE_RE, SandboxState

__all__ = ["SandboxState", "create_sandbox"]

DEFAULT_HANDLE = "demo_user"
# The environ key of a dict where an API request notes the latency it was given
# ("seconds"), so that the in-process transport can time out like a socket would, after
# the network did the work. (A dict: werkzeug hands the app a copy of the environ.)
LATENCY_KEY = "sandbox.latency"


def delay_request(network: str) -> None:
    """Wait for the network's injected latency, noting it for the in-process transport."""
    seconds = sandbox_state().delay(network)
    noted = request.environ.get(LATENCY_KEY)
    if isinstance(noted, dict):
        noted["seconds"] = seconds


def create_sandbox(
    state: SandboxState | None = None,
    *,
    auto_approve: bool = False,
    control_endpoints: bool = True,
    redirect_prefixes: tuple[str, ...] = (),
) -> Flask:
    """The sandbox app; `auto_approve` skips the consent page (for scripts).

    Mounted inside Chorus, the fault-switch endpoints are left out (tests reach the state
    directly) and only redirects back to Chorus itself are allowed, as a real network allows
    only the app's registered callback URLs."""
    from connectors.sandbox import linkedin_api, x_api

    app = Flask(__name__)
    app.config["SANDBOX_STATE"] = state if state is not None else SandboxState()
    app.config["SANDBOX_AUTO_APPROVE"] = auto_approve
    app.config["SANDBOX_REDIRECT_PREFIXES"] = redirect_prefixes
    app.json = _OrderedJSON(app)
    app.register_blueprint(x_api.blueprint)
    app.register_blueprint(linkedin_api.blueprint)
    if control_endpoints:
        app.register_blueprint(control)
    app.after_request(_no_framing)
    return app


def _no_framing(response: Response) -> Response:
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    return response


class _OrderedJSON(DefaultJSONProvider):
    sort_keys = False  # keep the key order of the real APIs' bodies


def sandbox_state() -> SandboxState:
    """The state of the app handling the current request."""
    return current_app.config["SANDBOX_STATE"]


def auto_approve() -> bool:
    return bool(current_app.config["SANDBOX_AUTO_APPROVE"])


def with_query(uri: str, params: dict[str, str]) -> str:
    """`uri` with `params` appended to its query string (existing parameters kept)."""
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


def authorize_problem(args: Any, *, required: tuple[str, ...], pkce: bool) -> str | None:
    """What is wrong with an authorize request's query (`args`), or None."""
    if args.get("response_type") != "code":
        return "response_type must be code."
    for name in required:
        if not args.get(name):
            return f"{name} is missing."
    parts = urlsplit(args.get("redirect_uri", ""))
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        return "redirect_uri must be an absolute http(s) URL without a fragment."
    allowed = current_app.config.get("SANDBOX_REDIRECT_PREFIXES") or ()
    if allowed and not args.get("redirect_uri", "").startswith(allowed):
        return "redirect_uri is not a registered callback URL of this app."
    if pkce and (not args.get("code_challenge") or args.get("code_challenge_method") != "S256"):
        return "PKCE is required: code_challenge with code_challenge_method=S256."
    return None


def valid_handle(handle: str) -> bool:
    return bool(HANDLE_RE.match(handle))


def html_page(title: str, body: Markup, status: int = 200) -> Response:
    page = Markup(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{}</title>"
        # No icon: else browsers ask the host for /favicon.ico, which Chorus does not serve.
        "<link rel='icon' href='data:,'></head>"
        "<body><main>{}</main></body></html>"
    ).format(title, body)
    return Response(str(page), status=status, mimetype="text/html")


def error_page(message: str, status: int = 400) -> Response:
    return html_page("Sandbox error", Markup("<h1>Error</h1><p>{}</p>").format(message), status)


def consent_page(
    *,
    network: str,
    client_id: str,
    scopes: list[str],
    handle: str,
    nonce: str,
    action: str,
    error: str | None = None,
) -> Response:
    """The "Allow / Deny" page; every value shown is escaped, the nonce ties the form
    to the authorize request kept server-side."""
    scope_items = Markup("").join(Markup("<li>{}</li>").format(s) for s in scopes)
    problem = Markup("<p role='alert'>{}</p>").format(error) if error else Markup("")
    body = Markup(
        "<h1>{network} sandbox: authorize an app</h1>{problem}"
        "<p>The app <strong>{client_id}</strong> asks for:</p><ul>{scopes}</ul>"
        "<form method='post' action='{action}'>"
        "<input type='hidden' name='nonce' value='{nonce}'>"
        "<label for='account'>Sandbox account</label> "
        "<input id='account' name='account' value='{handle}' required>"
        "<button type='submit' name='decision' value='allow'>Allow</button> "
        "<button type='submit' name='decision' value='deny'>Deny</button>"
        "</form>"
    ).format(
        network=network,
        problem=problem,
        client_id=client_id,
        scopes=scope_items,
        action=action,
        nonce=nonce,
        handle=handle,
    )
    return html_page(f"{network} sandbox: authorize", body, 200 if error is None else 400)


Approve = Callable[[dict[str, str], str], BaseResponse]


def begin_authorization(
    *, network: str, params: dict[str, str], handle: str, approve: Approve
) -> BaseResponse:
    """Show the consent page for a validated authorize request, or approve it at once
    for `handle` when the sandbox runs with auto-approve."""
    if not auto_approve():
        return _consent(network, params, handle)
    if not valid_handle(handle):
        return error_page("login_hint is not a valid sandbox account.")
    return approve(params, handle)


def finish_authorization(
    *, network: str, approve: Approve, denial: Callable[[dict[str, str]], dict[str, str]]
) -> BaseResponse:
    """Handle the consent form: Deny sends `denial(params)` back to the redirect_uri."""
    params = sandbox_state().take_pending(request.form.get("nonce", ""))
    if params is None:
        return error_page("This authorization request has expired; start again.")
    if request.form.get("decision") != "allow":
        return redirect(with_query(params["redirect_uri"], denial(params)))
    handle = request.form.get("account", "").strip()
    if not valid_handle(handle):
        return _consent(network, params, handle, "A sandbox account is 1-15 letters, digits or _.")
    return approve(params, handle)


def _consent(
    network: str, params: dict[str, str], handle: str, error: str | None = None
) -> Response:
    return consent_page(
        network=network,
        client_id=params["client_id"],
        scopes=params["scope"].replace(",", " ").split(),
        handle=handle,
        nonce=sandbox_state().remember_pending(params),
        action=url_for(f"{request.blueprint}.decide"),
        error=error,
    )


Reject = Callable[[str], Any]
View = Callable[..., Any]


def guarded_api(
    network: str,
    *,
    scopes: set[str],
    limit: int,
    reject: Reject,
    precheck: Callable[[], Any] | None = None,
) -> Callable[[View], View]:
    """Bearer token, scopes, `precheck`, rate limits and injected faults around a view.

    `reject(problem)` renders "unauthorized", "forbidden", "rate_limited" or
    "unavailable" in the network's own shape. The view gets the token's grant first;
    `g.rate` = (limit, remaining, reset epoch seconds) is left for the headers."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(**kwargs: Any) -> Any:
            state = sandbox_state()
            g.rate = (limit, limit, (int(state.now().timestamp()) // 900 + 1) * 900)
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            grant = state.access_token(network, token) if scheme.lower() == "bearer" else None
            if grant is None:
                return reject("unauthorized")
            if not scopes <= set(grant.scopes):
                return reject("forbidden")
            early = precheck() if precheck else None
            if early is not None:
                return early
            until = state.rate_limited_until(network)
            if until is not None:
                g.rate = (limit, 0, int(until.timestamp()))
                return reject("rate_limited")
            g.rate = (
                limit,
                *state.count_call(network, request.endpoint or "", grant.handle, limit),
            )
            if g.rate[1] < 0:
                return reject("rate_limited")
            if state.injected_error(network):
                return reject("unavailable")
            response = current_app.make_response(view(grant, **kwargs))
            if state.faults[network].malformed_json and 200 <= response.status_code < 300:
                response.set_data('{"data": [')
            return response

        return guarded

    return decorate


control = Blueprint("sandbox_control", __name__, url_prefix="/_control")
_LOOPBACK = {"127.0.0.1", "::1"}
_FAULT_FIELDS = {"latency_ms", "error_rate", "rate_limited_until", "revoked", "malformed_json"}


@control.before_request
def _loopback_only() -> Response | None:
    if request.remote_addr not in _LOOPBACK:
        return Response(status=403)
    return None


@control.post("/faults")
def set_faults() -> Any:
    """Out-of-process tests switch faults: JSON {"network": "x", "latency_ms": 200, ...}."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or set(data) - _FAULT_FIELDS - {"network"}:
        return jsonify(error="expected a JSON object with network and fault fields"), 400
    options = {k: v for k, v in data.items() if k != "network"}
    try:
        if options.get("rate_limited_until") is not None:
            until = datetime.fromisoformat(str(options["rate_limited_until"]))
            if until.tzinfo is None:
                raise ValueError("rate_limited_until needs a UTC offset")
            options["rate_limited_until"] = until
        sandbox_state().set_faults(str(data.get("network")), **options)
    except (TypeError, ValueError) as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(ok=True)


@control.post("/reset")
def reset() -> Any:
    sandbox_state().reset()
    return jsonify(ok=True)
