"""Where the installed plotly package keeps its plotly.js, so pages load the very version
that wrote the figures from our own host (never a CDN; the CSP allows only 'self')."""

from __future__ import annotations

from pathlib import Path

import plotly


def plotly_js_path() -> Path:
    """The minified plotly.js bundled with the installed plotly package."""
    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def plotly_js_version() -> str:
    """The installed plotly package's version: part of the script's URL, so a browser that
    cached an older plotly.js for a year fetches the new one after an upgrade."""
    return plotly.__version__
