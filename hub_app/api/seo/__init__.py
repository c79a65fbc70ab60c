"""Findable store pages: the head tags of `/<slug>` in the raw HTML (`store_shell`, built by
`store_head`), `/sitemap.xml` and `/robots.txt` (`sitemap`)."""
