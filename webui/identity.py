"""Who is acting. Two modes:

- **Team** (an ``[auth]`` section in ``.streamlit/secrets.toml``): Streamlit's own OpenID Connect login
  (``st.login`` / ``st.user`` / ``st.logout``, Authlib underneath), so a hospital's identity provider signs people in.
  The acting user is the account's e-mail (else its subject id) and nothing on the page can change it: no name field,
  no URL parameter.
- **Single user** (no ``[auth]``): the app serves localhost only; one person works here and types the name recorded
  on their decisions. The name is kept in ``<data dir>/local-user.json`` so a browser reload keeps it.

Roles: curators are named by the ``curators`` setting (``BIOFM_CURATORS``, comma-separated e-mails); everyone else
signed in is a reviewer. In single-user mode the one user is also the curator.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from webui.core import settings

LOCAL_USER_FILE = "local-user.json"


@dataclass(frozen=True)
class Identity:
    user: str  # what every stored act records: the account's e-mail (team) or the local name (single user)
    display: str  # how the sidebar names the person
    team: bool  # signed in through the identity provider
    curator: bool


def auth_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` (or Streamlit's ``secrets.files``) has an ``[auth]`` section."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001  (no secrets file, or one Streamlit cannot parse: no login configured)
        return False


def is_curator(user: str) -> bool:
    return user.strip().lower() in {c.strip().lower() for c in settings().curators}


def _local_file() -> Path:
    return Path(settings().data_dir) / LOCAL_USER_FILE


def local_name() -> str:
    """The single user's saved name, else the machine's login name."""
    try:
        name = json.loads(_local_file().read_text(encoding="utf-8")).get("name", "")
    except (OSError, ValueError):
        name = ""
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def save_local_name(name: str) -> None:
    """Keep the single user's name across reloads (a 0600 file in the data directory)."""
    import os

    path = _local_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"name": name.strip()}, fh)


def current() -> Identity | None:
    """The acting person, or None when a login is configured and nobody is signed in in this browser."""
    if auth_configured():
        if not st.user.is_logged_in:
            return None
        email = st.user.get("email") or ""
        user = email or st.user.get("sub") or ""
        if not user:
            return None
        return Identity(user, st.user.get("name") or user, True, is_curator(user))
    name = local_name().strip()
    return Identity(name, name, False, True) if name else None


def require() -> Identity:
    """The acting person. Team: the signed-in account, else a sign-in button and the page stops. Single user: the
    name field (kept across reloads), and the page stops while it is empty."""
    if auth_configured():
        who = current()
        if who is not None:
            return who
        st.info("Sign in to continue: decisions, comments and exports are recorded under your account.")
        st.button("Sign in", type="primary", key="identity-login", on_click=st.login)
        st.stop()
    name = local_name_field()
    if not name:
        st.warning("Enter your name to review.")
        st.stop()
    return Identity(name, name, False, True)


def local_name_field() -> str:
    """Single-user mode only: the name recorded on decisions, kept across reloads. Returns the name ('' if none)."""
    if "reviewer" not in st.session_state:
        st.session_state["reviewer"] = local_name()
    name = st.text_input("Your name (recorded on every decision)", key="reviewer").strip()
    if name and name != local_name():
        save_local_name(name)
    return name


def sidebar() -> None:
    """One line in the sidebar of every page: who is signed in, or that this is single-user mode on localhost."""
    with st.sidebar:
        if auth_configured():
            if st.user.is_logged_in:
                who = current()
                role = "curator" if who and who.curator else "reviewer"
                st.caption(f"Signed in as {_plain(st.user.get('name') or '')} ({_plain(who.user if who else '')}) "
                           f"· {role}")
                st.button("Sign out", key="identity-logout", on_click=st.logout)
            else:
                st.caption("Not signed in")
                st.button("Sign in", key="identity-sidebar-login", on_click=st.login)
        else:
            st.caption(f"Single-user mode on localhost · {_plain(local_name() or 'no name set')}")


def acting_user() -> str:
    """The user to record on an act outside review (the PHI gate, training, exports): '' when nobody is known."""
    who = current()
    return who.user if who else ""


def _plain(text: str) -> str:
    from webui.core import md

    return md(text)
