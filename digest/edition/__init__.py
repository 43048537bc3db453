"""The edition: summarized articles and ticker items arranged into what one email says.

Owns: sections and their order, the lead story, the "In brief" ticker and what is dropped from
it (and why), the subject and preheader defaults.
May import: the spine (`errors`, `models`, `config`) and `summarize`. Never `sources` (it gets
plain values), `mail`, `delivery`, `preview` or `cli`.
"""
