"""Editions over time, kept beside the editions and safe to commit: what was sent, and when.

Owns: `sends` (a record of each edition's list sends, without addresses, that `digest send`
checks the journal against). May import: errors, models, atomic, cache, config, store.
"""
