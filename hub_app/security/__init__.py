"""HTTP protections: proxy headers, security headers, body size limit, rate limits.

`hub_app.security.install.install_protections(app)` adds them (and the observability layer) to
the app built by hub_app.api.app.create_api(); every other route, the Reflex pages included, is
mounted inside that app, so they cover the whole site.
"""
