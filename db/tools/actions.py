"""A person's own actions from every source (sessions, reflection, field and monitoring visits), and
ticking them off; nobody reads or ticks off another person's actions here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from cop.access import AccessDenied, Viewer
from cop.actions import new_status, origin_label
from cop.vocab import ActionStatus
from db.models import ActionItem, Cop, CopSession, FieldVisit, MonitoringVisit, Person, School
from db.records import check_version

MAX_LIST = 1000
NOT_YOURS = "That action is not yours."


@dataclass(frozen=True)
class MyAction:
    id: str
    description: str
    due_on: date | None
    status: str
    done_at: datetime | None
    source: str
    origin: str
    school: str | None
    version: int


def my_actions(session: Session, viewer: Viewer, *, limit: int = 500) -> list[MyAction]:
    """The viewer's own open and done actions (cancelled ones left out), each with where it came from."""
    visitor, monitor, leader = aliased(Person), aliased(Person), aliased(Person)
    rows = session.execute(
        select(
            ActionItem.id,
            ActionItem.description,
            ActionItem.due_on,
            ActionItem.status,
            ActionItem.done_at,
            ActionItem.source,
            ActionItem.version,
            School.name,
            FieldVisit.visit_date,
            visitor.full_name,
            MonitoringVisit.visit_date,
            monitor.full_name,
            CopSession.session_date,
            CopSession.kind,
            leader.full_name,
            Cop.name,
        )
        .outerjoin(School, School.id == ActionItem.school_id)
        .outerjoin(FieldVisit, FieldVisit.id == ActionItem.field_visit_id)
        .outerjoin(visitor, visitor.id == FieldVisit.facilitator_id)
        .outerjoin(MonitoringVisit, MonitoringVisit.id == ActionItem.monitoring_visit_id)
        .outerjoin(monitor, monitor.id == MonitoringVisit.visitor_id)
        .outerjoin(CopSession, CopSession.id == ActionItem.session_id)
        .outerjoin(leader, leader.id == CopSession.led_by_id)
        .outerjoin(Cop, Cop.id == CopSession.cop_id)
        .where(
            ActionItem.owner_id == uuid.UUID(viewer.person_id),
            ActionItem.status != ActionStatus.CANCELLED.value,
        )
        # Open ones first, by due date; then the most recently done.
        .order_by(
            (ActionItem.status == ActionStatus.DONE.value),
            ActionItem.due_on.asc().nulls_last(),
            ActionItem.done_at.desc(),
            ActionItem.id,
        )
        .limit(min(limit, MAX_LIST))
    ).all()
    actions = []
    for (
        action_id,
        description,
        due_on,
        status,
        done_at,
        source,
        version,
        school,
        visited_on,
        visitor_name,
        monitored_on,
        monitor_name,
        session_on,
        session_kind,
        leader_name,
        cop,
    ) in rows:
        origin = origin_label(
            source,
            by=visitor_name or monitor_name or leader_name,
            on=visited_on or monitored_on or session_on,
            cop=cop,
            session_kind=session_kind,
        )
        actions.append(
            MyAction(str(action_id), description, due_on, status, done_at, source, origin, school, version)
        )
    return actions


def set_action_status(
    session: Session, viewer: Viewer, *, action_id: str, version: int, done: bool, now: datetime | None = None
) -> None:
    """Mark one of the viewer's actions done (or open again), refusing if it changed since it was shown;
    asking for the status it already has changes nothing (a repeated click)."""
    try:
        action = session.get(ActionItem, uuid.UUID(str(action_id)))
    except ValueError:
        action = None
    if action is None or str(action.owner_id) != viewer.person_id:
        raise AccessDenied(NOT_YOURS)
    target = new_status(viewer, owner_id=str(action.owner_id), status=action.status, done=done)
    if action.status == target:
        return
    check_version(action, version, "action", ("description", "due_on", "status", "version"))
    action.status = target.value
    action.done_at = (now or datetime.now(UTC)) if done else None
    session.flush()
