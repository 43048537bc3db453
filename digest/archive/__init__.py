"""The archive: every edition's web version, an index by month and an Atom feed, as static files.

Owns: where each edition's page goes (the URLs `archive_url` promises), the web version (no
personal links, no tracking), the index page, the feed, and the archive's own record of its
editions (editions.json).
May import: the spine, `config`, `summarize`, `edition`, `mail` and `build`. Never `delivery`,
`subscribers`, `preview` or `cli`.
"""
