"""The application state machine: structure of both tracks and random walks through it (no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cus.qualification.workflow import (
    OPEN,
    TERMINAL,
    TRANSITIONS,
    Need,
    State,
    Track,
    allowed,
    check,
    reachable,
)


def test_terminal_states_have_no_way_out():
    for track in Track:
        for state in TERMINAL:
            assert allowed(track, state) == []


def test_every_open_state_can_still_end():
    for track in Track:
        for state in reachable(track) & OPEN:
            assert reachable(track, state) & TERMINAL, f"{track}: {state} cannot end"


def test_programme_track_qualifies_without_a_decision_but_refuses_with_one():
    # art. 42 of the CUS act.
    for transition in TRANSITIONS[Track.PROGRAMME]:
        if transition.action == "qualify":
            assert Need.DECISION not in transition.needs
            assert {Need.FEE_COMPUTED, Need.PLACE_AVAILABLE} <= transition.needs
        if transition.action == "refuse":
            assert {Need.DECISION, Need.JUSTIFICATION} <= transition.needs


def test_statutory_track_decides_both_ways_after_the_interview():
    # PS art. 106: grant and refusal are decisions, after the family community interview.
    decided = [t for t in TRANSITIONS[Track.STATUTORY] if t.action in {"qualify", "refuse"}]
    assert decided
    for transition in decided:
        assert transition.source == State.INTERVIEW
        assert {Need.DECISION, Need.INTERVIEW_RECORD} <= transition.needs


def test_waiting_list_only_when_no_place_and_interview_only_on_statutory_track():
    for transition in TRANSITIONS[Track.PROGRAMME]:
        if transition.target == State.WAITING:
            assert Need.NO_PLACE in transition.needs
    assert State.INTERVIEW not in reachable(Track.PROGRAMME)
    assert State.WAITING not in reachable(Track.STATUTORY)


def test_leaving_unexamined_needs_the_deadline_to_have_passed():
    assert check(Track.PROGRAMME, State.INCOMPLETE, "leave_unexamined", set()) == ["missing:deadline_passed"]
    assert check(Track.PROGRAMME, State.INCOMPLETE, "leave_unexamined", {Need.DEADLINE_PASSED}) == []


def test_check_names_every_missing_fact_and_unknown_moves():
    assert check(Track.PROGRAMME, State.COMPLETE, "qualify", set()) == [
        "missing:fee_computed",
        "missing:place_available",
    ]
    assert check(Track.PROGRAMME, State.REFUSED, "qualify", set(Need)) == ["not_allowed"]
    assert check(Track.PROGRAMME, State.SUBMITTED, "no_such_action", set(Need)) == ["not_allowed"]


@given(track=st.sampled_from(list(Track)), choices=st.lists(st.integers(min_value=0, max_value=50), max_size=12))
def test_random_walks_stay_inside_the_machine(track, choices):
    state = State.SUBMITTED
    for choice in choices:
        options = allowed(track, state)
        if not options:
            assert state in TERMINAL
            break
        transition = options[choice % len(options)]
        assert check(track, state, transition.action, transition.needs) == []
        for need in transition.needs:
            assert check(track, state, transition.action, set(transition.needs) - {need}) == [f"missing:{need}"]
        state = transition.target
        assert state in reachable(track)
