"""Embedding a store's booking flow on its own website.

`rules.py` checks what a manager types (the site origins, the accent colour), `policy.py` answers
"which origins may embed this store" for the HTTP layer (CSP frame-ancestors, CORS) with a short
per-process cache, and `snippet.py` writes the iframe URL and the script tag shown to the manager.
"""
