"""A passport as an HTML page, with a QR code that points to the verification URL."""

from __future__ import annotations

from typing import Any

import segno
from jinja2 import Environment, PackageLoader, select_autoescape


def render(document: dict[str, Any]) -> str:
    environment = Environment(
        loader=PackageLoader("rareledger", "templates"), autoescape=select_autoescape(["html"])
    )
    passport = document["passport"]
    qr = segno.make(passport["verification_url"], error="m")
    svg = qr.svg_inline(scale=3)
    return environment.get_template("passport.html").render(
        p=passport, s=document["signature"], qr_svg=svg
    )
