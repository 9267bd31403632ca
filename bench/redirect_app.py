"""What the redirect benchmark serves under gunicorn: Chorus, and beside it, under
/_bench, a bare Flask app with one "hello" route (the baseline, on the same server)."""

from __future__ import annotations

import json
import os

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from advocacy import create_app

chorus = create_app(json.loads(os.environ["CHORUS_BENCH_CONFIG"]))
bare = Flask("hello")
bare.add_url_rule("/hello", "hello", lambda: "hello")
app = DispatcherMiddleware(chorus.wsgi_app, {"/_bench": bare})
