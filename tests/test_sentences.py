"""Sentence splitting on tricky news prose: the table the splitters were compared on."""

from __future__ import annotations

import pytest

from digest.summarize import split_sentences

# (text, expected sentences). Conventions: a quotation that closes in the same paragraph stays
# in one sentence with its attribution; blank lines always end a sentence; a headline without
# a final period is a sentence of its own; datelines are not sentence ends.
CASES: list[tuple[str, list[str]]] = [
    # abbreviations and titles
    ("Dr. Smith arrived late. He apologized.", ["Dr. Smith arrived late.", "He apologized."]),
    ("Mr. and Mrs. Jones left. Ms. Lee stayed.", ["Mr. and Mrs. Jones left.", "Ms. Lee stayed."]),
    (
        "Sen. Warren and Gov. Newsom spoke. Rep. Jordan did not.",
        ["Sen. Warren and Gov. Newsom spoke.", "Rep. Jordan did not."],
    ),
    (
        "Prof. Ng teaches at St. Andrews. Classes start soon.",
        ["Prof. Ng teaches at St. Andrews.", "Classes start soon."],
    ),
    (
        "Lt. Gen. Mark Hertling retired. He now writes.",
        ["Lt. Gen. Mark Hertling retired.", "He now writes."],
    ),
    (
        "Martin Luther King Jr. spoke. Crowds listened.",
        ["Martin Luther King Jr. spoke.", "Crowds listened."],
    ),
    (
        "Apple Inc. said sales rose. Shares of Apple Inc. The company did not comment.",
        ["Apple Inc. said sales rose.", "Shares of Apple Inc.", "The company did not comment."],
    ),
    (
        "Bring fruit, e.g. apples and pears. Also bring water.",
        ["Bring fruit, e.g. apples and pears.", "Also bring water."],
    ),
    (
        "They sell books, pens, etc. and more. Prices vary.",
        ["They sell books, pens, etc. and more.", "Prices vary."],
    ),
    # acronyms with periods
    ("He lives in the U.S. The weather is fine.", ["He lives in the U.S.", "The weather is fine."]),
    (
        "The U.S. Army said it would help. Aid arrived.",
        ["The U.S. Army said it would help.", "Aid arrived."],
    ),
    (
        "U.K. officials met U.N. envoys. Talks went on.",
        ["U.K. officials met U.N. envoys.", "Talks went on."],
    ),
    (
        "The meeting ends at 5 p.m. Monday. Dinner follows.",
        ["The meeting ends at 5 p.m. Monday.", "Dinner follows."],
    ),
    (
        "The meeting ended at 5 p.m. The staff went home.",
        ["The meeting ended at 5 p.m.", "The staff went home."],
    ),
    (
        "WASHINGTON, D.C. (AP) — Congress met on Friday. It adjourned.",
        ["WASHINGTON, D.C. (AP) — Congress met on Friday.", "It adjourned."],
    ),
    # initials
    (
        "J. R. R. Tolkien wrote it. He was British.",
        ["J. R. R. Tolkien wrote it.", "He was British."],
    ),
    ("George W. Bush spoke. Laura Bush smiled.", ["George W. Bush spoke.", "Laura Bush smiled."]),
    (
        "The author is J.K. Rowling. Her books sell.",
        ["The author is J.K. Rowling.", "Her books sell."],
    ),
    ("Take vitamin C. It helps.", ["Take vitamin C.", "It helps."]),
    # dates, numbers, currencies, times
    (
        "It opened on Jan. 5 in Paris. It closed in Feb. The reviews were poor.",
        ["It opened on Jan. 5 in Paris.", "It closed in Feb.", "The reviews were poor."],
    ),
    (
        "The vote is on Sept. 12, 2024. Polls open early.",
        ["The vote is on Sept. 12, 2024.", "Polls open early."],
    ),
    (
        "He lives at No. 10 Downing Street. No. He does not.",
        ["He lives at No. 10 Downing Street.", "No.", "He does not."],
    ),
    (
        "Dhaka's RMG exports reach $38.48 bn in 2024. New markets are up.",
        ["Dhaka's RMG exports reach $38.48 bn in 2024.", "New markets are up."],
    ),
    (
        "GDP growth will fall to 4.1% in FY25. The bank said so.",
        ["GDP growth will fall to 4.1% in FY25.", "The bank said so."],
    ),
    (
        "The desk filed at 3:48pm. Editors approved it at 4.05 p.m. on Friday.",
        ["The desk filed at 3:48pm.", "Editors approved it at 4.05 p.m. on Friday."],
    ),
    (
        "The film made $54.6 million. That is 1.5 times the budget.",
        ["The film made $54.6 million.", "That is 1.5 times the budget."],
    ),
    (
        "Sales hit €3.2bn in 2023. Profit was £1.1bn.",
        ["Sales hit €3.2bn in 2023.", "Profit was £1.1bn."],
    ),
    ("Version 2.0.1 shipped. It fixed bugs.", ["Version 2.0.1 shipped.", "It fixed bugs."]),
    (
        "The temperature was 98.6 degrees. Doctors were relieved.",
        ["The temperature was 98.6 degrees.", "Doctors were relieved."],
    ),
    ("2. Self-correcting cities", ["2. Self-correcting cities"]),
    (
        "18. Why did the opposition pass on the offer? Nobody knows.",
        ["18. Why did the opposition pass on the offer?", "Nobody knows."],
    ),
    ("Sales fell in 2008. They rose in 2009.", ["Sales fell in 2008.", "They rose in 2009."]),
    # quotations
    (
        'She said, "I was scared. I did not know what to do." Then she left.',
        ['She said, "I was scared. I did not know what to do."', "Then she left."],
    ),
    (
        '"We will win. We always do," he said. The crowd cheered.',
        ['"We will win. We always do," he said.', "The crowd cheered."],
    ),
    ("“Why?” he asked. Nobody knew.", ["“Why?” he asked.", "Nobody knew."]),
    (
        "“It is over. Go home.” The guard shut the door.",
        ["“It is over. Go home.”", "The guard shut the door."],
    ),
    ('He called it "a disaster." Others agreed.', ['He called it "a disaster."', "Others agreed."]),
    ("Was it worth it? Yes! Absolutely.", ["Was it worth it?", "Yes!", "Absolutely."]),
    ("(He later denied it.) The story spread.", ["(He later denied it.)", "The story spread."]),
    # datelines and headlines
    (
        "LONDON (Reuters) - Britain's economy grew. Inflation eased.",
        ["LONDON (Reuters) - Britain's economy grew.", "Inflation eased."],
    ),
    (
        "(CNN) -- A storm hit Florida. Thousands lost power.",
        ["(CNN) -- A storm hit Florida.", "Thousands lost power."],
    ),
    (
        "NATO, Ukraine to Meet Tuesday Over Russian Attack\n\n"
        "NATO and Ukraine will meet. Diplomats said so.",
        [
            "NATO, Ukraine to Meet Tuesday Over Russian Attack",
            "NATO and Ukraine will meet.",
            "Diplomats said so.",
        ],
    ),
    (
        "Sudan war becomes more deadly: Ethnically motivated attacks up",
        ["Sudan war becomes more deadly: Ethnically motivated attacks up"],
    ),
    (
        "Bangladesh’s GDP Growth to Decline to 4.1% in FY25: WB",
        ["Bangladesh’s GDP Growth to Decline to 4.1% in FY25: WB"],
    ),
    # layout, ellipses, other scripts, degenerate input
    (
        "A line that wraps\nacross lines. Then another.",
        ["A line that wraps across lines.", "Then another."],
    ),
    ("He paused... Then he spoke.", ["He paused...", "Then he spoke."]),
    ("Wait for it… The end.", ["Wait for it…", "The end."]),
    ("no punctuation at all in this text", ["no punctuation at all in this text"]),
    (
        "Le président est arrivé. Il a parlé longtemps.",
        ["Le président est arrivé.", "Il a parlé longtemps."],
    ),
    ("他来了。她走了！真的吗？", ["他来了。", "她走了！", "真的吗？"]),
    ("", []),
    ("   \n\n  ", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 40


def test_sentences_are_substrings_of_the_text() -> None:
    text = "Dr. Smith went to Washington. He met the U.S. President! Was it fun? Yes."
    for sentence in split_sentences(text):
        assert sentence in text
