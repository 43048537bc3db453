"""Delivery: one built edition goes to every recipient, resumably and never twice.

Owns: `digest send` top to bottom, the recipient list, personalization of a message built once,
the send journal, and the transports (SMTP, a command hook, files) found by entry point.
May import: the spine, `mail` (the message) and `build` (the edition to send). Never `preview`
or `cli`.
"""
