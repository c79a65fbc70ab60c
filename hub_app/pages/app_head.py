"""What every page carries in its <head> beyond its title: the web app manifest (so the manager
dashboard can be added to a phone's home screen and opens standalone at /manage), the theme
colour of the browser's bars, the iOS home-screen icon, and the stylesheet that fixes the
theme's contrast (assets/theme.css).

The manifest and icons are static files in assets/ (served at the site's root); the icons are
drawn by tools/make_app_icons.py.
"""

from __future__ import annotations

import reflex as rx

# The theme's teal as darkened in assets/theme.css (white text on it passes AA contrast).
THEME_COLOR = "#00796b"
MANIFEST_URL = "/manifest.webmanifest"
APPLE_TOUCH_ICON_URL = "/icons/apple-touch-icon.png"
STYLESHEETS = ["/theme.css"]


def head_components() -> list[rx.Component]:
    return [
        rx.el.link(rel="manifest", href=MANIFEST_URL),
        rx.el.meta(name="theme-color", content=THEME_COLOR),
        rx.el.link(rel="apple-touch-icon", href=APPLE_TOUCH_ICON_URL),
        rx.el.meta(name="mobile-web-app-capable", content="yes"),
        rx.el.meta(name="apple-mobile-web-app-title", content="Appt Hub"),
    ]
