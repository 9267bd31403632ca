"""Where the installed plotly package keeps its plotly.js, so pages load the very version
that wrote the figures from our own host (never a CDN; the CSP allows only 'self')."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import plotly

# plotly.js bundles MapLibre's stylesheet and, when it loads, writes it into a new <style>
# element unless an element with the stylesheet's id is already on the page:
#   if(!document.getElementById("<id>")){var e=document.createElement("style");
#   e.id="<id>",e.textContent='<css>', ...
# A strict CSP blocks that inline style (a console error on every dashboard page), so we
# serve the same CSS as a stylesheet of our own under that id.
_BUNDLED_CSS = re.compile(
    r'document\.getElementById\("(?P<id>[0-9a-f]{16,})"\)\)\{var (?P<var>\w+)='
    r'document\.createElement\("style"\);(?P=var)\.id="(?P=id)",(?P=var)\.textContent='
    r"'(?P<css>[^'\\]*)'"
)


@dataclass(frozen=True)
class BundledStylesheet:
    """CSS that plotly.js would otherwise inject inline, and the element id it checks for."""

    element_id: str
    css: str


def plotly_js_path() -> Path:
    """The minified plotly.js bundled with the installed plotly package."""
    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def plotly_js_version() -> str:
    """The installed plotly package's version: part of the script's URL, so a browser that
    cached an older plotly.js for a year fetches the new one after an upgrade."""
    return plotly.__version__


@cache
def plotly_stylesheets() -> tuple[BundledStylesheet, ...]:
    """Every stylesheet the installed plotly.js would inject as an inline <style> on load
    (empty when a plotly release stops doing so)."""
    bundle = plotly_js_path().read_text(encoding="utf-8")
    return tuple(
        BundledStylesheet(match["id"], match["css"]) for match in _BUNDLED_CSS.finditer(bundle)
    )
