"""The click gate's rules, on its own, with time under the test's control."""

from __future__ import annotations

from digest.subscribers.clickgate import (
    BURST_WINDOW_S,
    HOLD_S,
    REPEAT_S,
    SCANNER_MEMORY_S,
    ClickGate,
)

LEAD = ("2024-11-24", 1, "72a14e50")
SECOND = ("2024-11-24", 2, "c4866bbb")
CANARY = ("2024-11-24", 0, "00000000")


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def gate_and_clock() -> tuple[ClickGate, Clock]:
    clock = Clock()
    return ClickGate(clock), clock


def test_a_fetch_counts_only_after_it_was_held() -> None:
    gate, clock = gate_and_clock()
    person = gate.client("198.51.100.7", "Firefox")
    gate.fetch(person, LEAD)
    assert gate.due()[0] == {}
    clock.now += HOLD_S
    counted, skipped = gate.due()
    assert counted == {LEAD: 1} and skipped == {}


def test_the_canary_cancels_what_its_client_holds_and_everything_after() -> None:
    gate, clock = gate_and_clock()
    scanner = gate.client("203.0.113.9", "Safe Links")
    gate.fetch(scanner, LEAD)
    clock.now += HOLD_S - 0.5
    gate.fetch(scanner, CANARY, canary=True)
    clock.now += SCANNER_MEMORY_S - 1  # long after any burst window: still known
    gate.fetch(scanner, SECOND)
    clock.now += HOLD_S
    counted, skipped = gate.due()
    assert counted == {}
    assert skipped == {("2024-11-24", "canary"): 2, ("2024-11-24", "scanner"): 1}


def test_two_links_within_the_burst_window_are_a_scanner_and_later_two_are_a_person() -> None:
    gate, clock = gate_and_clock()
    scanner, person = gate.client("203.0.113.9", "x"), gate.client("198.51.100.7", "x")
    gate.fetch(scanner, LEAD)
    clock.now += BURST_WINDOW_S - 0.1
    gate.fetch(scanner, SECOND)
    gate.fetch(person, LEAD)
    clock.now += BURST_WINDOW_S + 0.1
    gate.fetch(person, SECOND)
    clock.now += HOLD_S
    assert gate.due()[0] == {LEAD: 1, SECOND: 1}


def test_repeats_count_once_within_five_minutes_and_again_after() -> None:
    gate, clock = gate_and_clock()
    person = gate.client("198.51.100.7", "Safari")
    for _ in range(4):
        gate.fetch(person, LEAD)
        clock.now += 10
    clock.now += REPEAT_S
    gate.fetch(person, LEAD)
    clock.now += HOLD_S
    counted, skipped = gate.due()
    assert counted == {LEAD: 2} and skipped == {("2024-11-24", "repeat"): 3}


def test_clients_are_told_apart_by_address_and_agent_never_by_name() -> None:
    gate, _ = gate_and_clock()
    assert gate.client("198.51.100.7", "A") != gate.client("198.51.100.7", "B")
    assert gate.client("198.51.100.7", "A") != gate.client("198.51.100.8", "A")
    assert b"198.51" not in gate.client("198.51.100.7", "A")
    assert ClickGate().client("198.51.100.7", "A") != gate.client("198.51.100.7", "A")


def test_at_shutdown_what_is_held_counts_and_idle_clients_are_forgotten() -> None:
    gate, clock = gate_and_clock()
    gate.fetch(gate.client("198.51.100.7", "A"), LEAD)
    assert gate.due(everything=True)[0] == {LEAD: 1}
    clock.now += SCANNER_MEMORY_S + REPEAT_S + 1
    gate.due()
    assert not gate._clients
