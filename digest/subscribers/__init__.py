"""Subscribers: what readers and their mail servers tell the publication after a send.

Owns: the RFC 8058 unsubscribe endpoint (a WSGI app and its waitress quick-start server),
importing a newsroom's suppression export, and reading bounces (DSNs) back into the
suppression list through the send journal.
May import: the spine, `config`, `mail` and `delivery` (tokens, journal, suppression list).
Never `build`, `preview` or `cli`.
"""
