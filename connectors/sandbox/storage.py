"""Keeps the sandbox's state in a JSON file, so the web server, the CLI and workers (several
processes) see the same tokens and posts, and a restart of the demo keeps connections."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$datetime"}:
            return datetime.fromisoformat(value["$datetime"])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def _record(cls: type, data: dict) -> Any:
    data = _decode(data)
    if "scopes" in data:
        data["scopes"] = tuple(data["scopes"])
    return cls(**data)


def dump(state: Any) -> dict:
    return {
        "codes": {k: _encode(asdict(v)) for k, v in state.codes.items()},
        "tokens": {k: _encode(asdict(v)) for k, v in state.tokens.items()},
        "refresh_tokens": {k: _encode(asdict(v)) for k, v in state.refresh_tokens.items()},
        "posts": {
            n: {k: _encode(asdict(p)) for k, p in posts.items()} for n, posts in state.posts.items()
        },
        "engagements": {
            n: {post: [_encode(asdict(e)) for e in engaged] for post, engaged in posts.items()}
            for n, posts in state.engagements.items()
        },
        "pending": state.pending,
        "faults": {n: _encode(asdict(f)) for n, f in state.faults.items()},
        "linkedin_metrics_access": state.linkedin_metrics_access,
        "post_counter": state._post_counter,
    }


def load(state: Any, data: dict) -> None:
    from connectors.sandbox.state import (
        NETWORKS,
        AccessToken,
        AuthCode,
        Engaged,
        Faults,
        Post,
        RefreshToken,
    )

    state.codes = {k: _record(AuthCode, v) for k, v in data["codes"].items()}
    state.tokens = {k: _record(AccessToken, v) for k, v in data["tokens"].items()}
    state.refresh_tokens = {k: _record(RefreshToken, v) for k, v in data["refresh_tokens"].items()}
    state.posts = {
        n: {k: _record(Post, p) for k, p in posts.items()} for n, posts in data["posts"].items()
    }
    engagements = data.get("engagements", {})  # absent from files written before it existed
    state.engagements = {
        n: {
            post: [_record(Engaged, e) for e in engaged]
            for post, engaged in engagements.get(n, {}).items()
        }
        for n in NETWORKS
    }
    state.pending = data["pending"]
    state.faults = {n: _record(Faults, f) for n, f in data["faults"].items()}
    state.linkedin_metrics_access = data["linkedin_metrics_access"]
    state._post_counter = data["post_counter"]


class FileSyncedLock:
    """Used where the state takes its lock: reads the file on entry and writes it on exit,
    under an exclusive file lock shared by every process."""

    def __init__(self, state: Any, path: Path) -> None:
        self.state, self.path = state, path
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._lock_file = None

    def __enter__(self) -> FileSyncedLock:
        self._thread_lock.acquire()
        self._depth += 1
        if self._depth == 1:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock_file = open(f"{self.path}.lock", "a+")  # noqa: SIM115
            fcntl.flock(self._lock_file, fcntl.LOCK_EX)
            if self.path.exists() and self.path.stat().st_size:
                load(self.state, json.loads(self.path.read_text()))
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._depth == 1:
                temporary = self.path.with_suffix(".tmp")
                temporary.write_text(json.dumps(dump(self.state)))
                os.replace(temporary, self.path)
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
                self._lock_file.close()
        finally:
            self._depth -= 1
            self._thread_lock.release()
