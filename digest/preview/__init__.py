"""Preview: the edition in a local browser, rebuilt live while the editor works.

Owns: the 127.0.0.1 preview server, its page, the files it watches and the size gauge.
May import: the spine, `build` and `mail`. Never `delivery` (a preview cannot send) or `cli`.
"""
