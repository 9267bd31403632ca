"""Connected accounts: connect and disconnect X and LinkedIn through their OAuth pages."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from advocacy.authz import roles_required
from advocacy.extensions import db
from advocacy.forms import ActionForm, button_action
from advocacy.models.networks import CONNECTED
from advocacy.services import networks
from advocacy.urls import external_url
from connectors.base import Network

bp = Blueprint("networks", __name__, template_folder="templates")


def _connector(name: str) -> Network:
    return networks.connectors_of(current_app)(name)


def _callback_url(name: str) -> str:
    return external_url("networks.callback", network=name)


@bp.route("/networks")
@roles_required("employee")
def index():
    accounts = networks.accounts_of(db.session, current_user)
    return render_template(
        "networks/index.html",
        names=networks.NETWORKS,
        accounts=accounts,
        handles={name: networks.shown_handle(a) for name, a in accounts.items()},
        form=ActionForm(),
        sandbox=networks.sandboxed(current_app.config),
        available={n for n in networks.NETWORKS if networks.available(current_app.config, n)},
        connected=CONNECTED,
        renew={name for name, a in accounts.items() if networks.reconnect_soon(a)},
    )


@bp.route("/networks/<network>/connect", methods=["POST"])
@roles_required("employee")
def connect(network: str):
    """Off to the network's own approval page (a fixed address from the settings)."""
    url = networks.start_connect(
        db.session, current_user, _connector(network), _callback_url(network)
    )
    return redirect(url, 303)


@bp.route("/networks/<network>/callback")
@roles_required("employee")
def callback(network: str):
    state = request.args.get("state", "")[:128]
    url = _callback_url(network) + (
        f"?{request.query_string.decode()}" if request.query_string else ""
    )
    account = networks.finish_connect(
        db.session, current_user, _connector(network), state, url, _callback_url(network)
    )
    flash(
        f"{networks.NETWORKS[network]} is connected as {networks.shown_handle(account)}.", "success"
    )
    return redirect(url_for("networks.index"), 303)


@bp.route("/networks/<network>/disconnect", methods=["POST"])
@roles_required("employee")
def disconnect(network: str):
    networks.connector(current_app.config, network)  # 404 for a network Chorus does not know
    button_action(
        lambda: networks.disconnect(db.session, current_user, network),
        lambda: f"{networks.NETWORKS[network]} is disconnected.",
    )
    return redirect(url_for("networks.index"), 303)
