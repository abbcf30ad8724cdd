"""Staff screens of applications: the worker's queue, the paper entry form, the application with its history and
actions, attachments, letters and decisions as PDFs. Every screen showing an application writes the read to the
audit trail with its purpose (art. 50 of the CUS act)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cus.accounts.permissions import has_permission
from cus.audit.services import record_access
from cus.core.access import access_object
from cus.core.pagination import CappedPaginator
from cus.core.pdf import pdf_response
from cus.core.views import apply_form_errors
from cus.plans.services import LINKABLE_STATES
from cus.programme import eligibility
from cus.qualification import application_services as services
from cus.qualification import documents, queries
from cus.qualification.application_forms import ACTION_FORMS, AttachmentForm, PaperApplicationForm
from cus.qualification.applications import Application, Attachment, Decision, State
from cus.qualification.workflow import Track

PAGE_SIZE = 25
# A queue counts at most this many applications (the pages stop there; see CappedPaginator).
QUEUE_COUNT_CAP = 1000
READ_PURPOSE = gettext_lazy("Handling an application")
QUEUE_TABS = (
    ("open", gettext_lazy("Open")),
    ("new", gettext_lazy("New")),
    ("overdue", gettext_lazy("Incomplete past the deadline")),
    ("assessment", gettext_lazy("Assessment or interview due")),
    ("waiting", gettext_lazy("Waiting list")),
    ("all", gettext_lazy("All")),
)
SORT_COLUMNS = (
    ("reference", gettext_lazy("Reference")),
    ("person", gettext_lazy("Person")),
    ("filed", gettext_lazy("Filed")),
    ("state", gettext_lazy("State")),
    ("deadline", gettext_lazy("Deadline")),
)
ACTION_LABELS = {
    "accept_as_complete": gettext_lazy("Accept as complete"),
    "request_documents": gettext_lazy("Request documents"),
    "start_assessment": gettext_lazy("Start the needs assessment"),
    "record_assessment": gettext_lazy("Record the needs assessment"),
    "start_interview": gettext_lazy("Start the family community interview"),
    "record_interview": gettext_lazy("Record the interview"),
    "qualify": gettext_lazy("Qualify"),
    "put_on_waiting_list": gettext_lazy("Put on the waiting list"),
    "refuse": gettext_lazy("Refuse (decision)"),
    "resign": gettext_lazy("Record a resignation"),
    "end": gettext_lazy("Record the end of the service"),
    "withdraw": gettext_lazy("Record withdrawal"),
    "leave_unexamined": gettext_lazy("Leave unexamined"),
    "note": gettext_lazy("Add a note"),
    "file": gettext_lazy("Filed"),
    "attach": gettext_lazy("Document attached"),
    "decision_refusal": gettext_lazy("Refusal decision issued"),
    "decision_grant": gettext_lazy("Grant decision issued"),
    "move_up_failed": gettext_lazy("Could not move up from the waiting list"),
}
LETTER_LABELS = {
    "qualification": gettext_lazy("Qualification notice with the fee"),
    "documents": gettext_lazy("Request for documents"),
    "waiting": gettext_lazy("Waiting-list notice"),
}
RESULT_LABELS = {
    eligibility.Result.MET: gettext_lazy("Met"),
    eligibility.Result.NOT_MET: gettext_lazy("Not met"),
    eligibility.Result.CHECK: gettext_lazy("The worker checks"),
    eligibility.Result.MISSING: gettext_lazy("Facts missing"),
}


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


@permission_required("qualification.view_application", raise_exception=True)
def application_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    queue = request.GET.get("queue", "open")
    queue = queue if queue in queries.QUEUES else "open"
    sort = request.GET.get("sort", "")
    if sort.removeprefix("-") not in queries.APPLICATION_SORTS:
        sort = "" if queue == "waiting" else "-filed"
    q = request.GET.get("q", "").strip()[:100]
    applications = queries.applications_for(user, queue=queue, sort=sort, q=q)
    return render(
        request,
        "qualification/application_list.html",
        {
            "page": CappedPaginator(applications, PAGE_SIZE, cap=QUEUE_COUNT_CAP).get_page(request.GET.get("page")),
            "queue": queue,
            "tabs": QUEUE_TABS,
            "headers": _headers(sort),
            "q": q,
            "can_add": has_permission(user, "qualification.add_application"),
        },
    )


@permission_required("qualification.add_application", raise_exception=True)
def application_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    initial = {"person_pesel": request.GET.get("pesel", "")[:11]}
    form = PaperApplicationForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            application, _code = services.file_application(actor=user, **form.service_kwargs())
        except ValidationError as exc:
            apply_form_errors(
                exc, form, field_map={"person": "person_pesel", "applicant": "applicant_pesel", "filed_at": "filed_on"}
            )
        else:
            messages.success(
                request, _("Application %(reference)s was recorded.") % {"reference": application.reference}
            )
            return redirect("qualification:application_detail", pk=application.pk)
    return render(request, "qualification/application_form.html", {"form": form})


def _can(user: Any, application: Application, action: str) -> bool:
    return has_permission(user, services.permission_for(application, action), application.municipality_id)


def _detail_context(user: Any, application: Application, forms: dict[str, Any] | None = None) -> dict[str, Any]:
    forms = forms or {}
    actions = []
    for name in services.available_actions(application):
        if not _can(user, application, name):
            continue
        form_class = ACTION_FORMS[name]
        actions.append({"name": name, "label": ACTION_LABELS[name], "form": forms.get(name) or form_class(prefix=name)})
    can_change = _can(user, application, "note")
    eligibility_rows = application.eligibility or services.eligibility_outcomes(application)
    for row in eligibility_rows:
        row["label"] = RESULT_LABELS.get(row["result"], row["result"])
    detail = queries.application_detail(application)
    for event in detail["events"]:
        event.label = ACTION_LABELS.get(event.action, event.action)
    return {
        "application": application,
        **detail,
        "actions": actions,
        "action_labels": ACTION_LABELS,
        "open_action": next((name for name, form in forms.items() if form.errors), ""),
        "eligibility_rows": eligibility_rows,
        "letters": [(kind, LETTER_LABELS[kind]) for kind in documents.letters_available(application)],
        "attachment_form": forms.get("attach") or AttachmentForm(prefix="attach"),
        "note_form": forms.get("note") or ACTION_FORMS["note"](prefix="note"),
        "can_change": can_change,
        "can_attach": can_change and (application.is_open or application.state == State.QUALIFIED),
        "can_view_person": has_permission(user, "residents.view_person", application.person.municipality_id),
        # An IPUS (art. 38) is opened from a needs assessment or a qualified application.
        "can_open_plan": application.state in LINKABLE_STATES
        and has_permission(user, "plans.add_serviceplan", application.municipality_id),
        # A person has one open plan at a time (art. 37): link to it instead of offering another.
        "open_plan": _open_plan(user, application.person_id),
        "waiting_position": documents.waiting_position(application) if application.state == State.WAITING else None,
        # A decision must name the board of appeal (KPA art. 107 § 1): warn before the worker tries to issue one.
        "decision_blocked": not application.centre.has_appeal_body
        and any(
            a["name"] == "refuse" or (a["name"] == "qualify" and application.track == Track.STATUTORY) for a in actions
        ),
    }


def _open_plan(user: Any, person_id: Any) -> Any:
    from cus.plans.models import OPEN_STATUSES, ServicePlan

    return (
        ServicePlan.objects.restrict(user, "view")
        .filter(person_id=person_id, status__in=OPEN_STATUSES)
        .only("pk", "reference", "status")
        .first()
    )


def _application(user: Any, pk: Any, action: str = "view") -> Application:
    application = access_object(user, Application, action, pk=pk)
    return (
        Application.objects.select_related(
            "person",
            "applicant",
            "centre",
            "municipality",
            "programme_service__service",
            "programme_service__programme",
            "fee_table",
            "criterion",
        )
        .prefetch_related("person__certificates")
        .get(pk=application.pk)
    )


@permission_required("qualification.view_application", raise_exception=True)
def application_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    user: Any = request.user
    application = _application(user, pk)
    record_access(actor=user, instance=application, purpose=READ_PURPOSE)
    return render(request, "qualification/application_detail.html", _detail_context(user, application))


@require_POST
@permission_required("qualification.view_application", raise_exception=True)
def application_action(request: HttpRequest, pk: Any, action: str) -> HttpResponse:
    user: Any = request.user
    application = _application(user, pk)
    if action not in ACTION_FORMS:
        raise Http404
    if not _can(user, application, action):
        raise PermissionDenied
    form = ACTION_FORMS[action](request.POST, prefix=action)
    if form.is_valid():
        try:
            services.perform(actor=user, application=application, action=action, data=form.cleaned_data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                form.add_error(None, exc)
            else:
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
        else:
            application.refresh_from_db()
            messages.success(
                request,
                _("Done: %(action)s. The application is now: %(state)s.")
                % {"action": ACTION_LABELS[action], "state": application.get_state_display()},
            )
            return redirect("qualification:application_detail", pk=application.pk)
    application = _application(user, pk)
    context = _detail_context(user, application, {action: form})
    return render(request, "qualification/application_detail.html", context, status=400)


@require_POST
@permission_required("qualification.change_application", raise_exception=True)
def attachment_add(request: HttpRequest, pk: Any) -> HttpResponse:
    user: Any = request.user
    application = _application(user, pk, "change")
    form = AttachmentForm(request.POST, request.FILES, prefix="attach")
    if form.is_valid():
        upload = form.cleaned_data["file"]
        limit = services.attachment_max_bytes()
        try:
            if upload.size > limit:
                raise ValidationError(
                    {"file": _("The file is too big: at most %(limit)s MB.") % {"limit": limit // (1024 * 1024)}}
                )
            services.attach(
                actor=user,
                application=application,
                name=upload.name,
                content=upload.read(),
                description=form.cleaned_data.get("description", ""),
            )
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The document was attached."))
            return redirect("qualification:application_detail", pk=application.pk)
    context = _detail_context(user, application, {"attach": form})
    return render(request, "qualification/application_detail.html", context, status=400)


@permission_required("qualification.view_application", raise_exception=True)
def attachment_download(request: HttpRequest, pk: Any, attachment: Any) -> FileResponse:
    user: Any = request.user
    application = _application(user, pk)
    item = Attachment.objects.filter(application=application, pk=attachment).first()
    if item is None:
        raise Http404
    record_access(actor=user, instance=item, purpose=READ_PURPOSE)
    response = FileResponse(
        item.file.open("rb"), content_type=item.content_type, as_attachment=True, filename=item.name
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@permission_required("qualification.view_application", raise_exception=True)
def decision_pdf(request: HttpRequest, pk: Any, decision: Any) -> HttpResponse:
    user: Any = request.user
    application = _application(user, pk)
    item = Decision.objects.filter(application=application, pk=decision).select_related("application").first()
    if item is None:
        raise Http404
    item.application = application
    record_access(actor=user, instance=item, purpose=READ_PURPOSE)
    return pdf_response(documents.decision_pdf(item), f"decyzja-{item.number}.pdf")


@permission_required("qualification.view_application", raise_exception=True)
def letter_pdf(request: HttpRequest, pk: Any, kind: str) -> HttpResponse:
    user: Any = request.user
    application = _application(user, pk)
    if kind not in documents.letters_available(application):
        raise Http404
    record_access(actor=user, instance=application, purpose=READ_PURPOSE)
    signatory = user.get_full_name() or user.email
    return pdf_response(
        documents.letter_pdf(application, kind, signatory=signatory), f"{kind}-{application.reference}.pdf"
    )
