"""Staff pages of individual social-services plans (IPUS): the coordinator's home, the list of the centre's plans,
opening a plan from a person's applications, the plan with its content, monitoring, approval and closing, and the
comparison of two versions.

Every page showing a plan writes the read to the audit trail with its purpose (art. 50 of the CUS act; ``?purpose=``
as on the person's page, IPUS by default). Every write goes through ``cus.plans.services``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cus.accounts.permissions import has_permission
from cus.audit.services import record_access
from cus.core.access import access_object
from cus.core.views import apply_form_errors
from cus.plans import forms as plan_forms
from cus.plans import queries, rules, services
from cus.plans.models import (
    DELIVERING_STATUSES,
    EDITABLE_STATUSES,
    Goal,
    ItemStatus,
    Need,
    PlanItem,
    PlanStatus,
    ServicePlan,
    SupportingActivity,
)
from cus.residents.models import AccessPurpose, Person

PAGE_SIZE = 25
SORT_COLUMNS = (
    ("reference", gettext_lazy("Reference")),
    ("person", gettext_lazy("Person")),
    ("coordinator", gettext_lazy("Coordinator")),
    ("status", gettext_lazy("Status")),
    ("deadline", gettext_lazy("Next deadline")),
    ("ends", gettext_lazy("Ends on")),
)
ACTION_LABELS = {
    "agreement": gettext_lazy("Record the person's agreement"),
    "submit": gettext_lazy("Send for approval"),
    "approve": gettext_lazy("Approve"),
    "return": gettext_lazy("Return for changes"),
    "start_update": gettext_lazy("Start an update"),
    "cancel": gettext_lazy("Cancel the plan"),
    "note": gettext_lazy("Add a monitoring note"),
}
ACTION_FORMS: dict[str, type[Any]] = {
    "agreement": plan_forms.AgreementRecordForm,
    "submit": plan_forms.SubmitForm,
    "approve": plan_forms.DecisionNoteForm,
    "return": plan_forms.ReturnForm,
    "start_update": plan_forms.StartUpdateForm,
    "cancel": plan_forms.CancelForm,
    "note": plan_forms.NoteForm,
}
APPROVER_ACTIONS = frozenset({"approve", "return"})
# Each action through its service function, with the form's cleaned data.
PERFORM: dict[str, Any] = {
    "agreement": lambda user, plan, data: services.record_agreement(
        actor=user, plan=plan, agreed_on=data["agreed_on"], form=data["form"], note=data.get("note", "")
    ),
    "submit": lambda user, plan, data: services.submit(actor=user, plan=plan, reason=data.get("reason", "")),
    "approve": lambda user, plan, data: services.approve(actor=user, plan=plan, note=data.get("note", "")),
    "return": lambda user, plan, data: services.return_for_changes(actor=user, plan=plan, note=data["note"]),
    "start_update": lambda user, plan, data: services.start_update(actor=user, plan=plan),
    "cancel": lambda user, plan, data: services.cancel(actor=user, plan=plan, reason=data["reason"]),
    "note": lambda user, plan, data: services.note_add(
        actor=user, plan=plan, kind=data["kind"], text=data["text"], noted_on=data["noted_on"]
    ),
}
# The content rows edited while the plan is a draft or an update in preparation.
CONTENT = {
    "needs": (Need, plan_forms.NeedForm, services.need_save, "need"),
    "goals": (Goal, plan_forms.GoalForm, services.goal_save, "goal"),
    "items": (PlanItem, plan_forms.ItemForm, services.item_save, "item"),
    "activities": (SupportingActivity, plan_forms.ActivityForm, services.activity_save, "activity"),
}
CONTENT_TITLES = {
    "needs": (gettext_lazy("Add a need"), gettext_lazy("Change the need")),
    "goals": (gettext_lazy("Add a goal"), gettext_lazy("Change the goal")),
    "items": (gettext_lazy("Add a service"), gettext_lazy("Change the service")),
    "activities": (gettext_lazy("Add a supporting activity"), gettext_lazy("Change the supporting activity")),
}
STATUS_BADGES: dict[str, str] = {
    PlanStatus.DRAFT: "text-bg-secondary",
    PlanStatus.SUBMITTED: "text-bg-warning",
    PlanStatus.ACTIVE: "text-bg-success",
    PlanStatus.UPDATING: "text-bg-info",
    PlanStatus.UPDATE_SUBMITTED: "text-bg-warning",
    PlanStatus.CLOSED: "text-bg-dark",
    PlanStatus.CANCELLED: "text-bg-light border",
}


def _purpose(request: HttpRequest) -> AccessPurpose:
    value = request.GET.get("purpose", "")
    return AccessPurpose(value) if value in AccessPurpose.values else AccessPurpose.IPUS


def _plan(user: Any, pk: Any, action: str = "view") -> ServicePlan:
    plan = access_object(user, ServicePlan, action, pk=pk)
    return ServicePlan.objects.select_related("person", "coordinator", "centre").get(pk=plan.pk)


def _can(user: Any, plan: ServicePlan, permission: str) -> bool:
    return has_permission(user, permission, plan.municipality_id)


def _headers(sort: str) -> list[dict[str, Any]]:
    headers = []
    for key, label in SORT_COLUMNS:
        if sort == key:
            state, next_sort = "ascending", f"-{key}"
        elif sort == f"-{key}":
            state, next_sort = "descending", key
        else:
            state, next_sort = "", key
        headers.append({"key": key, "label": label, "aria_sort": state, "next": next_sort})
    return headers


# --- the coordinator's home and the list ---------------------------------------------------------------------------


@permission_required("plans.view_serviceplan", raise_exception=True)
def home(request: HttpRequest) -> HttpResponse:
    """The coordinator's first page: my plans with the next deadline first, what needs me today, and for approvers
    the plans awaiting their approval."""
    user: Any = request.user
    today = timezone.localdate()
    context = queries.coordinator_home(user, today)
    approvals: list[ServicePlan] = []
    if has_permission(user, "plans.approve_serviceplan"):
        approvals = [
            plan for plan in queries.awaiting_approval(user, today) if services.approval_right(user, plan, today)[0]
        ]
    return render(
        request,
        "plans/home.html",
        {
            **context,
            "approvals": approvals,
            "today": today,
            "status_badges": STATUS_BADGES,
            "can_add": has_permission(user, "plans.add_serviceplan"),
        },
    )


@permission_required("plans.view_serviceplan", raise_exception=True)
def plan_list(request: HttpRequest) -> HttpResponse:
    """All plans of the centre the user may read, with filters and sorting."""
    user: Any = request.user
    today = timezone.localdate()
    form = plan_forms.PlanFilterForm(request.GET or None, user=user, initial={"status": "open"})
    filters: dict[str, Any] = {"status": "open"}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "status": data.get("status", ""),
            "coordinator": data.get("coordinator"),
            "mine": bool(data.get("mine")),
            "overdue": bool(data.get("overdue")),
            "q": data.get("q", "").strip(),
        }
    sort = request.GET.get("sort", "deadline")
    if sort.removeprefix("-") not in queries.PLAN_SORTS:
        sort = "deadline"
    plans = queries.order_plans(queries.plans_for(user, today=today, **filters), sort)
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = queries.with_deadlines(page.object_list, today)
    alerts = queries.alerts_for(page.object_list, today)
    for plan in page.object_list:
        plan.alerts = alerts.get(plan.pk, [])  # type: ignore[attr-defined]
    return render(
        request,
        "plans/plan_list.html",
        {"form": form, "page": page, "headers": _headers(sort), "status_badges": STATUS_BADGES, "today": today},
    )


# --- opening a plan --------------------------------------------------------------------------------------------------


@permission_required("plans.add_serviceplan", raise_exception=True)
def plan_create(request: HttpRequest) -> HttpResponse:
    """Open a plan from a person's needs assessment or qualified applications (``?person=<uuid>``)."""
    user: Any = request.user
    person_id = request.GET.get("person", "")
    if not person_id:
        return render(request, "plans/plan_open.html", {"form": None, "person": None})
    person = access_object(user, Person, "view", pk=person_id)
    record_access(actor=user, instance=person, purpose=AccessPurpose.IPUS.label)
    today = timezone.localdate()
    initial: dict[str, Any] = {"coordinator": user.pk, "starts_on": today}
    form = plan_forms.PlanOpenForm(request.POST or None, person=person, user=user, initial=initial)
    applications = list(form.fields["applications"].queryset)  # type: ignore[attr-defined]
    if not form.is_bound:
        chosen = [a for a in applications if a.state == "qualified"] or applications
        form.initial["applications"] = [a.pk for a in chosen]
        if chosen:
            form.initial["applied_on"] = min(timezone.localtime(a.filed_at).date() for a in chosen)
        form.initial["needs_summary"] = "\n\n".join(
            a.assessment_notes.strip() for a in chosen if a.assessment_notes.strip()
        )
        form.initial["ends_on"] = rules.latest_end(today)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=user, **form.service_kwargs())
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("Plan %(reference)s was opened.") % {"reference": plan.reference})
            return redirect("plans:plan_detail", pk=plan.pk)
    existing = list(ServicePlan.objects.restrict(user, "view").filter(person=person).order_by("-created_at"))
    return render(
        request,
        "plans/plan_open.html",
        {"form": form, "person": person, "applications": applications, "existing": existing},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- the plan --------------------------------------------------------------------------------------------------------


def _actions(user: Any, plan: ServicePlan, today: Any) -> list[str]:
    names: list[str] = []
    can_change = _can(user, plan, "plans.change_serviceplan")
    if can_change and plan.status in EDITABLE_STATUSES:
        names += ["agreement", "submit"]
    if plan.status in queries.AWAITING_APPROVAL and _can(user, plan, "plans.approve_serviceplan"):
        allowed, _delegation = services.approval_right(user, plan, today)
        if allowed:
            names += ["approve", "return"]
    if can_change and plan.status == PlanStatus.ACTIVE:
        names.append("start_update")
    if can_change and plan.status != PlanStatus.CANCELLED and _can(user, plan, "plans.add_monitoringnote"):
        names.append("note")
    if can_change and plan.status in (PlanStatus.DRAFT, PlanStatus.SUBMITTED):
        names.append("cancel")
    return names


def _detail_context(request: HttpRequest, plan: ServicePlan, forms: dict[str, Any] | None = None) -> dict[str, Any]:
    user: Any = request.user
    forms = forms or {}
    today = timezone.localdate()
    detail = queries.plan_detail(plan, today)
    for item in detail["items"]:
        item.schedule = queries.item_schedule(item)
    actions = []
    names = _actions(user, plan, today)
    # An action refused by the service stays on the page with its error, even when it is no longer offered.
    names += [name for name, form in forms.items() if form.errors and name not in names]
    for name in names:
        form = forms.get(name)
        if form is None:
            kwargs: dict[str, Any] = {"prefix": name}
            if name == "agreement" and plan.agreed_on:
                kwargs["initial"] = {
                    "agreed_on": plan.agreed_on,
                    "form": plan.agreement_form,
                    "note": plan.agreement_note,
                }
            form = ACTION_FORMS[name](**kwargs)
        if name == "submit" and plan.status == PlanStatus.UPDATING:
            form.fields["reason"].required = True
        actions.append({"name": name, "label": ACTION_LABELS[name], "form": form})
    can_change = _can(user, plan, "plans.change_serviceplan")
    editable = can_change and plan.is_editable
    approved = [v for v in detail["versions"] if v.status == "approved"]
    problems = services.submission_problems(plan) if plan.is_editable else {}
    return {
        "plan": plan,
        **detail,
        "today": today,
        "status_badge": STATUS_BADGES.get(plan.status, "text-bg-secondary"),
        "draw_up_overdue": plan.draw_up_overdue(today),
        "latest_end": rules.latest_end(plan.starts_on),
        "warnings": services.warnings(plan, today),
        "problem_keys": sorted(problems),
        "problems": list(problems.values()),
        "actions": actions,
        "open_action": next((name for name, form in forms.items() if form.errors), ""),
        "can_change": can_change,
        "editable": editable,
        "delivering": plan.status in DELIVERING_STATUSES,
        "can_close": can_change and plan.status in DELIVERING_STATUSES,
        "can_end_items": can_change and plan.status in DELIVERING_STATUSES | EDITABLE_STATUSES,
        "can_note_progress": can_change and plan.status in DELIVERING_STATUSES,
        "can_view_person": has_permission(user, "residents.view_person", plan.person.municipality_id),
        "can_compare": len(detail["versions"]) > 1,
        "last_approved": approved[0] if approved else None,
        "planned_item": ItemStatus.PLANNED,
    }


@permission_required("plans.view_serviceplan", raise_exception=True)
def plan_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    user: Any = request.user
    plan = _plan(user, pk)
    purpose = _purpose(request)
    record_access(actor=user, instance=plan, purpose=purpose.label)
    context = _detail_context(request, plan)
    context.update({"purpose": purpose, "purposes": AccessPurpose.choices})
    return render(request, "plans/plan_detail.html", context)


def _rerender(request: HttpRequest, plan: ServicePlan, forms: dict[str, Any]) -> HttpResponse:
    context = _detail_context(request, plan, forms)
    context.update({"purpose": AccessPurpose.IPUS, "purposes": AccessPurpose.choices})
    return render(request, "plans/plan_detail.html", context, status=400)


@permission_required("plans.view_serviceplan", raise_exception=True)
def plan_action(request: HttpRequest, pk: Any, action: str) -> HttpResponse:
    """A workflow action posted from the plan page; errors are shown on the page beside the form's fields."""
    if request.method != "POST":
        return redirect("plans:plan_detail", pk=pk)
    user: Any = request.user
    if action not in ACTION_FORMS:
        raise Http404
    needed = "plans.approve_serviceplan" if action in APPROVER_ACTIONS else "plans.change_serviceplan"
    if not has_permission(user, needed):
        raise PermissionDenied
    plan = _plan(user, pk, "approve" if action in APPROVER_ACTIONS else "change")
    form = ACTION_FORMS[action](request.POST, prefix=action)
    if action == "submit" and plan.status == PlanStatus.UPDATING:
        form.fields["reason"].required = True
    if form.is_valid():
        data = form.cleaned_data
        try:
            PERFORM[action](user, plan, data)
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            plan.refresh_from_db()
            messages.success(
                request,
                _("Done: %(action)s. The plan is now: %(status)s.")
                % {"action": ACTION_LABELS[action], "status": plan.get_status_display()},
            )
            return redirect("plans:plan_detail", pk=plan.pk)
    plan = _plan(user, pk)
    return _rerender(request, plan, {action: form})


# --- forms on their own pages: the plan's data, content rows, ending an item, progress, closing ----------------------


def _form_page(
    request: HttpRequest,
    plan: ServicePlan,
    form: Any,
    *,
    title: Any,
    submit: Any,
    intro: Any = "",
    danger: bool = False,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "plans/form_page.html",
        {"plan": plan, "form": form, "title": title, "submit": submit, "intro": intro, "danger": danger},
        status=status,
    )


@permission_required("plans.change_serviceplan", raise_exception=True)
def plan_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    user: Any = request.user
    plan = _plan(user, pk, "change")
    if not plan.is_open:
        raise Http404
    form = plan_forms.PlanEditForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(actor=user, plan=plan, **form.changes())
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The plan's data were saved."))
            return redirect("plans:plan_detail", pk=plan.pk)
    intro = "" if plan.is_editable else _("The plan is not a draft: only its coordinator can be changed now.")
    return _form_page(
        request,
        plan,
        form,
        title=_("Change the plan's data"),
        submit=_("Save"),
        intro=intro,
        status=400 if form.errors else 200,
    )


def _content(kind: str) -> tuple[Any, Any, Any, str]:
    if kind not in CONTENT:
        raise Http404
    return CONTENT[kind]


def _row(plan: ServicePlan, model: Any, row: str) -> Any:
    try:
        return model.objects.get(plan=plan, pk=row)
    except (model.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def _initial(instance: Any, form_class: Any) -> dict[str, Any]:
    return {name: getattr(instance, f"{name}_id", None) or getattr(instance, name) for name in form_class.base_fields}


@permission_required("plans.change_serviceplan", raise_exception=True)
def content_form(request: HttpRequest, pk: Any, kind: str, row: str | None = None) -> HttpResponse:
    """Add or change a need, goal, planned service or supporting activity while the plan is editable."""
    user: Any = request.user
    model, form_class, save, name = _content(kind)
    plan = _plan(user, pk, "change")
    instance = _row(plan, model, row) if row else None
    if not plan.is_editable:
        messages.error(request, _("The plan's content can be changed only in a draft or an update in preparation."))
        return redirect("plans:plan_detail", pk=plan.pk)
    kwargs: dict[str, Any] = {}
    if kind == "items":
        kwargs = {"plan": plan, "user": user}
    initial = _initial(instance, form_class) if instance else {}
    if kind == "items" and instance is None:
        initial = {"starts_on": plan.starts_on, "ends_on": plan.ends_on, "frequency": rules.Frequency.WEEKLY.value}
    form = form_class(request.POST or None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            save(actor=user, plan=plan, **({name: instance} if instance else {}), **form.cleaned_data)
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("plans:plan_detail", args=[plan.pk]) + f"#h-{kind}")
    titles = CONTENT_TITLES[kind]
    return _form_page(
        request,
        plan,
        form,
        title=titles[1] if instance else titles[0],
        submit=_("Save"),
        status=400 if form.errors else 200,
    )


@permission_required("plans.change_serviceplan", raise_exception=True)
def content_remove(request: HttpRequest, pk: Any, kind: str, row: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("plans:plan_detail", pk=pk)
    user: Any = request.user
    model, _form, _save, _name = _content(kind)
    plan = _plan(user, pk, "change")
    instance = _row(plan, model, row)
    try:
        services.content_remove(actor=user, instance=instance)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Removed from the plan."))
    return redirect(reverse("plans:plan_detail", args=[plan.pk]) + f"#h-{kind}")


@permission_required("plans.change_serviceplan", raise_exception=True)
def item_end(request: HttpRequest, pk: Any, item: Any) -> HttpResponse:
    user: Any = request.user
    plan = _plan(user, pk, "change")
    instance = _row(plan, PlanItem, str(item))
    form = plan_forms.ItemEndForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.item_end(
                actor=user,
                item=instance,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["end_reason"],
            )
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The service was ended."))
            return redirect(reverse("plans:plan_detail", args=[plan.pk]) + "#h-items")
    return _form_page(
        request,
        plan,
        form,
        title=_("End the service early: %(service)s") % {"service": instance.service.name},
        submit=_("End the service"),
        intro=_("Planned from %(start)s to %(end)s.")
        % {"start": instance.starts_on.strftime("%d.%m.%Y"), "end": instance.ends_on.strftime("%d.%m.%Y")},
        danger=True,
        status=400 if form.errors else 200,
    )


@permission_required("plans.change_serviceplan", raise_exception=True)
def goal_progress(request: HttpRequest, pk: Any, goal: int) -> HttpResponse:
    user: Any = request.user
    plan = _plan(user, pk, "change")
    instance = _row(plan, Goal, str(goal))
    form = plan_forms.GoalProgressForm(request.POST or None, goal=instance)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.goal_progress(
                actor=user,
                goal=instance,
                progress=data["progress"],
                value=data.get("value", ""),
                note=data.get("note", ""),
                status=data.get("status") or None,
                noted_on=data["noted_on"],
            )
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The progress was noted."))
            return redirect(reverse("plans:plan_detail", args=[plan.pk]) + "#h-goals")
    return _form_page(
        request,
        plan,
        form,
        title=_("Note progress on a goal"),
        submit=_("Save"),
        intro=_("%(goal)s — indicator: %(indicator)s; target %(target)s by %(date)s.")
        % {
            "goal": instance.description,
            "indicator": instance.indicator,
            "target": instance.target,
            "date": instance.target_date.strftime("%d.%m.%Y"),
        },
        status=400 if form.errors else 200,
    )


@permission_required("plans.change_serviceplan", raise_exception=True)
def plan_close(request: HttpRequest, pk: Any) -> HttpResponse:
    """Close the plan after the closing interview, with the description of the course and results (art. 45)."""
    user: Any = request.user
    plan = _plan(user, pk, "change")
    if plan.status not in DELIVERING_STATUSES:
        messages.error(request, _("Only an approved plan in progress can be closed; a draft is cancelled instead."))
        return redirect("plans:plan_detail", pk=plan.pk)
    goals = list(plan.goals.all())
    form = plan_forms.CloseForm(request.POST or None, goals=goals)
    if request.method == "POST" and form.is_valid():
        try:
            services.close(actor=user, plan=plan, **form.service_kwargs())
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("Plan %(reference)s was closed.") % {"reference": plan.reference})
            return redirect("plans:plan_detail", pk=plan.pk)
    return _form_page(
        request,
        plan,
        form,
        title=_("Close the plan"),
        submit=_("Close the plan"),
        intro=_(
            "Closing requires the closing interview with the person and the written description of the course and "
            "results of the plan (art. 45). Services still planned end on the closing date."
        ),
        danger=True,
        status=400 if form.errors else 200,
    )


# --- versions --------------------------------------------------------------------------------------------------------


@permission_required("plans.view_serviceplan", raise_exception=True)
def version_compare(request: HttpRequest, pk: Any) -> HttpResponse:
    user: Any = request.user
    plan = _plan(user, pk)
    record_access(actor=user, instance=plan, purpose=_purpose(request).label)
    versions = list(plan.versions.select_related("decided_by", "submitted_by").order_by("number", "submitted_at"))
    by_number = {version.number: version for version in versions}
    error = ""
    sections: list[dict[str, Any]] = []
    old = new = None
    try:
        a = int(request.GET.get("a", "0") or 0)
        b = int(request.GET.get("b", "0") or 0)
    except ValueError:
        a = b = 0
    if not (a or b) and len(versions) >= 2:
        a, b = versions[-2].number, versions[-1].number
    if a and b:
        old, new = by_number.get(a), by_number.get(b)
        if old is None or new is None:
            error = _("Choose two versions of this plan.")
        else:
            sections = queries.comparison(old.content, new.content)
    return render(
        request,
        "plans/version_compare.html",
        {
            "plan": plan,
            "versions": versions,
            "old": old,
            "new": new,
            "a": a,
            "b": b,
            "sections": sections,
            "error": error,
        },
        status=400 if error else 200,
    )
