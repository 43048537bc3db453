"""Mail: one arranged edition becomes one email.

Owns: rendering the Jinja2 theme (MJML and plain text), compiling MJML and inlining CSS,
`digest check`'s findings about the email, and building the MIME message.
May import: the spine, `summarize` and `edition`. Never `sources`, `delivery`, `preview` or
`cli`.
"""
