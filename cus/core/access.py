"""Fetching one object the user may act on. Missing and forbidden give the same 404; a forbidden attempt on an
existing object is written to the audit trail."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from cus.audit.services import record_denied


def access_object[M: models.Model](user: Any, model: type[M], action: str = "view", /, **lookup: Any) -> M:
    manager: Any = model._default_manager
    try:
        return manager.restrict(user, action).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        pass
    try:
        existing = manager.filter(**lookup).first()
    except (ValueError, TypeError):
        existing = None
    if existing is not None:
        record_denied(
            actor=user,
            what=f"{model._meta.label_lower}.{action}",
            instance=existing,
            message="The object exists but is outside the user's roles or municipalities.",
        )
    raise Http404(_("No %(name)s found with this identifier.") % {"name": model._meta.verbose_name})
