"""API for municipalities and centres."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema

from cus.core import services
from cus.core.access import access_object
from cus.core.api_schemas import AUTH_ERRORS, BODY_DETAIL_ERRORS, DETAIL_ERRORS, InputSchema, require_permission
from cus.core.collation import Alphabetical
from cus.core.models import Centre, Municipality

router = Router(tags=["organisation"])


class MunicipalityOut(Schema):
    id: int
    teryt: str
    name: str
    voivodeship: str


class TeamOut(Schema):
    id: int
    kind: str
    name: str


class CentreOut(Schema):
    id: int
    name: str
    kind: str
    municipalities: list[MunicipalityOut]
    teams: list[TeamOut]
    street_address: str
    postal_code: str
    city: str
    bip_url: str
    email: str
    phone: str
    appeal_body_name: str = Field(
        description="The board of appeal (SKO) named in the centre's decisions; empty until set, and no decision "
        "can be issued while it is empty."
    )
    appeal_body_address: str

    @staticmethod
    def resolve_municipalities(obj: Centre) -> list[Municipality]:
        return list(obj.municipalities.all())

    @staticmethod
    def resolve_teams(obj: Centre) -> list[Any]:
        return list(obj.teams.all())


class CentrePatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=250)
    street_address: str | None = Field(None, min_length=1, max_length=200)
    postal_code: str | None = Field(None, max_length=6)
    city: str | None = Field(None, min_length=1, max_length=100)
    bip_url: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=30)
    appeal_body_name: str | None = Field(
        None,
        max_length=250,
        description="Full name with the seat, e.g. Samorządowe Kolegium Odwoławcze w Warszawie (KPA art. 17).",
    )
    appeal_body_address: str | None = Field(
        None, max_length=250, description="Street, number, postal code and city, e.g. ul. Kredytowa 3, 00-062 Warszawa."
    )


@router.get("/municipalities", response={200: list[MunicipalityOut], **AUTH_ERRORS}, summary="Municipalities I may see")
def municipality_list(request: HttpRequest) -> Any:
    require_permission(request, "core.view_municipality")
    return Municipality.objects.restrict(request.user, "view").order_by(Alphabetical("name"))


@router.get(
    "/municipalities/{teryt}",
    response={200: MunicipalityOut, **DETAIL_ERRORS},
    summary="One municipality by TERYT code",
)
def municipality_detail(
    request: HttpRequest, teryt: str = Path(..., pattern=r"^[0-9]{7}$", description="7-digit TERYT code.")
) -> Any:
    require_permission(request, "core.view_municipality")
    return access_object(request.user, Municipality, "view", teryt=teryt)


@router.get("/centres", response={200: list[CentreOut], **AUTH_ERRORS}, summary="Centres I may see")
def centre_list(request: HttpRequest) -> Any:
    require_permission(request, "core.view_centre")
    return Centre.objects.restrict(request.user, "view").prefetch_related("municipalities", "teams")


@router.get("/centres/{centre_id}", response={200: CentreOut, **DETAIL_ERRORS}, summary="One centre")
def centre_detail(request: HttpRequest, centre_id: int) -> Any:
    require_permission(request, "core.view_centre")
    return access_object(request.user, Centre, "view", pk=centre_id)


@router.patch(
    "/centres/{centre_id}", response={200: CentreOut, **BODY_DETAIL_ERRORS}, summary="Change a centre's details"
)
def centre_update(request: HttpRequest, centre_id: int, payload: CentrePatch) -> Any:
    require_permission(request, "core.change_centre")
    centre = access_object(request.user, Centre, "change", pk=centre_id)
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    return services.centre_update(actor=request.user, centre=centre, **changes)
