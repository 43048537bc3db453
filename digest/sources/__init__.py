"""Sources: pages, feeds and files in; Articles and TickerItems out.

Owns: fetching URLs (`sources.fetch`, the only network access in digest), the readers for each
kind of source (`sources.readers`, found by entry point), reading an edition's entries
(`sources.read`), sanitizing HTML, de-duplicating candidates, `digest extract` and `digest new`.
May import: the spine (`errors`, `models`, `atomic`, `config`) and `summarize` (extract and new
show summaries). Never `edition`, `mail`, `delivery`, `preview` or `cli`.
"""
