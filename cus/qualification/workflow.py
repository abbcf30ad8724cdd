"""The life of an application (wniosek) as an explicit state machine, with no Django import.

Two tracks (DOMAIN.md "Applying and qualifying"):

- **programme track** (art. 35–44 of the CUS act): qualifying follows the programme and needs no administrative
  decision; only a **refusal** is a decision (art. 42), with the KPA appeal instruction;
- **statutory track** (e.g. care services, PS art. 50 and 106): after a family community interview the centre
  **grants or refuses by decision**.

An incomplete application gets a request for documents with a deadline (KPA art. 64 § 2); when the deadline passes
without the documents it is left unexamined. When the programme's budget or the service's capacity is used up, a
qualified-in-substance application goes to the waiting list and moves up when a place frees.

The states and transitions are data: the UI shows the allowed actions from :func:`allowed`, and services call
:func:`check` before every change, which returns the reasons a transition is not possible (empty when it is).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Track(StrEnum):
    PROGRAMME = "programme"
    STATUTORY = "statutory"


class State(StrEnum):
    SUBMITTED = "submitted"
    INCOMPLETE = "incomplete"
    COMPLETE = "complete"
    ASSESSMENT = "assessment"  # art. 37 needs assessment by an IPUS coordinator
    INTERVIEW = "interview"  # statutory track: family community interview (PS art. 106 ust. 4)
    WAITING = "waiting"
    QUALIFIED = "qualified"  # programme track: qualified; statutory track: granted by decision
    REFUSED = "refused"
    NOT_EXAMINED = "not_examined"  # left unexamined: documents not supplied by the deadline
    WITHDRAWN = "withdrawn"
    RESIGNED = "resigned"  # the person resigned from a service they were qualified for
    ENDED = "ended"  # the service ended as planned


TERMINAL = frozenset({State.REFUSED, State.NOT_EXAMINED, State.WITHDRAWN, State.RESIGNED, State.ENDED})
OPEN = frozenset(set(State) - TERMINAL)


class Need(StrEnum):
    """A fact a transition needs; the caller says which facts hold."""

    DOCUMENTS_DEADLINE = "documents_deadline"  # a request for documents with a deadline was issued
    DEADLINE_PASSED = "deadline_passed"  # that deadline has passed
    FEE_COMPUTED = "fee_computed"  # the fee is computed (or the service is free)
    PLACE_AVAILABLE = "place_available"  # the budget and the capacity allow one more person
    NO_PLACE = "no_place"  # the budget or the capacity is used up
    DECISION = "decision"  # an administrative decision document is drawn up
    INTERVIEW_RECORD = "interview_record"  # the family community interview is recorded
    ASSESSMENT_RECORD = "assessment_record"  # the needs assessment is recorded
    JUSTIFICATION = "justification"  # a written reason
    RESIGNATION_DATE = "resignation_date"  # the date the person resigned


@dataclass(frozen=True)
class Transition:
    action: str
    source: State
    target: State
    needs: frozenset[Need] = frozenset()


def _t(action: str, source: State, target: State, *needs: Need) -> Transition:
    return Transition(action, source, target, frozenset(needs))


_COMMON = (
    _t("request_documents", State.SUBMITTED, State.INCOMPLETE, Need.DOCUMENTS_DEADLINE),
    _t("leave_unexamined", State.INCOMPLETE, State.NOT_EXAMINED, Need.DEADLINE_PASSED),
    *(
        _t("withdraw", source, State.WITHDRAWN)
        for source in (
            State.SUBMITTED,
            State.INCOMPLETE,
            State.COMPLETE,
            State.ASSESSMENT,
            State.INTERVIEW,
            State.WAITING,
        )
    ),
    _t("resign", State.QUALIFIED, State.RESIGNED, Need.RESIGNATION_DATE),
    _t("end", State.QUALIFIED, State.ENDED),
)

TRANSITIONS: Mapping[Track, tuple[Transition, ...]] = {
    Track.PROGRAMME: (
        *_COMMON,
        _t("accept_as_complete", State.SUBMITTED, State.COMPLETE),
        _t("accept_as_complete", State.INCOMPLETE, State.COMPLETE),
        _t("start_assessment", State.COMPLETE, State.ASSESSMENT),
        _t("qualify", State.COMPLETE, State.QUALIFIED, Need.FEE_COMPUTED, Need.PLACE_AVAILABLE),
        _t(
            "qualify",
            State.ASSESSMENT,
            State.QUALIFIED,
            Need.ASSESSMENT_RECORD,
            Need.FEE_COMPUTED,
            Need.PLACE_AVAILABLE,
        ),
        _t("qualify", State.WAITING, State.QUALIFIED, Need.FEE_COMPUTED, Need.PLACE_AVAILABLE),
        _t("put_on_waiting_list", State.COMPLETE, State.WAITING, Need.NO_PLACE),
        _t("put_on_waiting_list", State.ASSESSMENT, State.WAITING, Need.ASSESSMENT_RECORD, Need.NO_PLACE),
        # art. 42: a refusal is an administrative decision.
        _t("refuse", State.COMPLETE, State.REFUSED, Need.DECISION, Need.JUSTIFICATION),
        _t("refuse", State.ASSESSMENT, State.REFUSED, Need.DECISION, Need.JUSTIFICATION),
        _t("refuse", State.WAITING, State.REFUSED, Need.DECISION, Need.JUSTIFICATION),
    ),
    Track.STATUTORY: (
        *_COMMON,
        _t("start_interview", State.SUBMITTED, State.INTERVIEW),
        _t("start_interview", State.INCOMPLETE, State.INTERVIEW),
        # PS art. 106: both the grant and the refusal are decisions, after the interview.
        _t("qualify", State.INTERVIEW, State.QUALIFIED, Need.INTERVIEW_RECORD, Need.FEE_COMPUTED, Need.DECISION),
        _t("refuse", State.INTERVIEW, State.REFUSED, Need.INTERVIEW_RECORD, Need.DECISION, Need.JUSTIFICATION),
    ),
}

_BY_KEY: dict[tuple[Track, State, str], Transition] = {
    (track, transition.source, transition.action): transition
    for track, transitions in TRANSITIONS.items()
    for transition in transitions
}


def allowed(track: Track, state: State) -> list[Transition]:
    """The transitions that leave ``state`` on ``track``, in the order they are defined."""
    return [transition for transition in TRANSITIONS[track] if transition.source == state]


def find(track: Track, state: State, action: str) -> Transition | None:
    return _BY_KEY.get((track, state, action))


def check(track: Track, state: State, action: str, facts: frozenset[Need] | set[Need]) -> list[str]:
    """Why ``action`` cannot be taken from ``state``: an empty list when it can.

    Each reason is a stable code: ``"not_allowed"`` (no such transition from this state on this track) or
    ``"missing:<need>"`` for each fact the transition needs and the caller did not confirm.
    """
    transition = find(track, state, action)
    if transition is None:
        return ["not_allowed"]
    return [f"missing:{need}" for need in sorted(transition.needs - set(facts))]


def reachable(track: Track, start: State = State.SUBMITTED) -> set[State]:
    """Every state reachable from ``start`` on ``track`` (used by the tests and the documentation)."""
    seen = {start}
    frontier = [start]
    while frontier:
        state = frontier.pop()
        for transition in allowed(track, state):
            if transition.target not in seen:
                seen.add(transition.target)
                frontier.append(transition.target)
    return seen
