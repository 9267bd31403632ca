"""Signing in and out, the user's own password, reset links and invitations."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from advocacy.authz import public, signed_in
from advocacy.errors import LoginThrottled
from advocacy.extensions import db
from advocacy.forms import attempt, render_form
from advocacy.services import accounts
from advocacy.services.accounts import INVITE_PURPOSE, RESET_PURPOSE
from advocacy.urls import external_url

from .forms import ChangePasswordForm, LoginForm, LogoutForm, NewPasswordForm, ResetRequestForm

bp = Blueprint("auth", __name__, template_folder="templates")


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no `//` or `\\` tricks."""
    if not target or any(ord(ch) < 32 for ch in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                db.session, current_app.config, form.email.data, form.password.data
            )
        except LoginThrottled as error:
            form.form_errors.append(str(error))
            page = render_template("auth/login.html", form=form)
            return page, 429, {"Retry-After": str(error.retry_after_seconds)}
        if user is None:
            form.form_errors.append(
                "That email and password do not match an active account. "
                "Check them, or reset your password."
            )
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("core.home"), code=303)
    return render_form("auth/login.html", form)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    """CSRFProtect has checked the form's token before this runs."""
    accounts.logout(db.session, current_user._get_current_object())
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        done = attempt(
            form,
            lambda: (
                accounts.change_password(
                    db.session, current_app.config, user, form.current.data, form.password.data
                )
                or True
            ),
        )
        if done:
            # This device carries on with the new session token, remembered if it was.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(user, remember=remembered in request.cookies)
            flash("Your password is changed. Other devices are signed out.", "success")
            return redirect(url_for("auth.account"), code=303)
    return render_form("auth/account.html", form)


@bp.route("/reset", methods=["GET", "POST"])
@public
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(
            db.session,
            current_app.config,
            form.email.data,
            lambda token: external_url("auth.reset_password", token=token),
        )
        flash(
            "If that address has an account, a reset link is on its way. "
            "It works once and for two hours.",
            "info",
        )
        return redirect(url_for("auth.login"), code=303)
    return render_form("auth/reset_request.html", form)


def _set_password_page(purpose: str, token: str, template: str, done_message: str):
    config = current_app.config
    user = accounts.user_for_token(
        db.session, config["SECRET_KEY"], purpose, token, accounts.max_age_for(config, purpose)
    )
    form = NewPasswordForm()
    if form.validate_on_submit():
        signed_up = attempt(
            form,
            lambda: accounts.complete_with_token(
                db.session, config, purpose, token, form.password.data
            ),
        )
        if signed_up is not None:
            login_user(signed_up)
            flash(done_message, "success")
            return redirect(url_for("core.home"), code=303)
    return render_form(template, form, user=user)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return _set_password_page(
        RESET_PURPOSE,
        token,
        "auth/reset_password.html",
        "Your new password is saved and you are signed in.",
    )


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    return _set_password_page(
        INVITE_PURPOSE,
        token,
        "auth/accept_invitation.html",
        "Welcome to Chorus! Your password is saved.",
    )


@bp.app_context_processor
def inject_logout_form() -> dict:
    return {"logout_form": LogoutForm(formdata=None)}
