"""Openings and furniture: pages written from the structures of real ones (USA Today's inline
promos, The Hill's hover cards, a WordPress caption around the headline, a video player with
its caption, a photo caption), with short made-up text."""

from __future__ import annotations

from datetime import UTC

from digest.sources.extract import summary_of
from digest.sources.readers import ReadContext
from digest.sources.readers.html import read

CONTEXT = ReadContext(tz=UTC)
LEAD = (
    "WASHINGTON – Two federal prison officers were charged Tuesday with falsifying records "
    "on the night a high-profile inmate died in their unit, prosecutors said."
)
PARAGRAPHS = [
    "Tova Noel, 31, and Michael Thomas, 41, were supposed to check on the inmates every half "
    "hour but sat at their desks and browsed the internet instead, the indictment says.",
    "Both officers pleaded not guilty at a brief hearing in Manhattan and were released on "
    "bail; their lawyers declined to comment after the hearing ended.",
    "Noel and Thomas face up to five years in prison on each count if they are convicted of "
    "the charges brought against them by federal prosecutors.",
]


# A hover card as The Hill writes one: the name, then a hidden block about the person.
HOVER_CARD = (
    '<span class="rollover-people"><a href="/people/p">prosecutors</a>'
    '<span class="rollover-people-block"><a class="name">Geoffrey Berman</a>'
    '<a class="people-articles">Berman steps down</a></span></span>'
)


def _page() -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Prison officers charged - USA Today</title>
<meta property="og:site_name" content="USA TODAY">
<meta name="description" content="Two prison officers were charged.">
</head><body>
<div class="wp-caption alignnone"><h1>Prison officers charged</h1><img src="/a.jpg" alt=""></div>
<div class="featured-video"><div class="m video-player"><img src="/v.jpg"
 alt="The warden discusses what went wrong on the night of the death."></div>
<div class="caption"><h2 class="title">Warden speaks</h2><p>The warden discusses what went wrong
on the night of the death.</p></div></div>
<article><div class="article-body">
<p>{LEAD.replace("prosecutors", HOVER_CARD)}</p>
<aside class="gnt_em gnt_em__promo"><a>Internal memo: Prison logs show guards skipped counts</a>
</aside>
<p>Internal memo: Prison logs show guards skipped inmate counts</p>
<figure><img src="/b.jpg" alt=""><figcaption>A mural by Banksy appeared on the prison wall
overnight. (Photo: AP)</figcaption></figure>
<p>Q&amp;A</p>
{body}
</div></article></body></html>""".encode()


def test_the_datelined_lead_stays_and_furniture_goes() -> None:
    article = read(_page(), origin="https://www.usatoday.com/story/a", context=CONTEXT)
    assert article.title == "Prison officers charged"
    assert article.body[0] == LEAD
    text = " ".join(article.body)
    for furniture in ("Internal memo", "Banksy", "warden discusses", "Berman", "Q&A"):
        assert furniture not in text, furniture
    assert article.body[1:] == tuple(PARAGRAPHS)


def test_the_summary_opens_with_the_lead_and_introduces_who_it_names() -> None:
    article = read(_page(), origin="https://www.usatoday.com/story/a", context=CONTEXT)
    for budget in (160, 250, 350, 500):
        summary = summary_of(article, budget, "learned") or ""
        assert summary.startswith("Two federal prison officers were charged Tuesday"), summary
        if "Noel and Thomas face" in summary:
            assert "Tova Noel, 31," in summary  # a surname only with the sentence naming her
