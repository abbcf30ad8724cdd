from __future__ import annotations

import factory

from cus.core.models import Centre, CentreKind, Municipality, Team, TeamKind


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("teryt",)

    # County 98 does not exist in any voivodeship: clearly fictional but valid in form.
    teryt = factory.Sequence(lambda n: f"1498{(n % 98) + 1:02d}2")
    name = factory.Sequence(lambda n: f"Gmina Testowa {n}")
    voivodeship = factory.LazyAttribute(lambda o: o.teryt[:2])


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Centrum Usług Społecznych nr {n}")
    kind = CentreKind.CONVERTED
    street_address = "ul. Testowa 1"
    postal_code = "00-950"
    city = "Testowo"
    appeal_body_name = "Samorządowe Kolegium Odwoławcze w Testowie"
    appeal_body_address = "ul. Odwoławcza 2, 00-951 Testowo"

    @factory.post_generation
    def municipalities(self, create: bool, extracted: list[Municipality] | None, **kwargs: object) -> None:
        if not create:
            return
        members = extracted or [MunicipalityFactory()]
        self.municipalities.set(members)
        Team.objects.get_or_create(centre=self, kind=TeamKind.SERVICES, defaults={"name": "Zespół usług"})
        if self.kind == CentreKind.CONVERTED:
            Team.objects.get_or_create(centre=self, kind=TeamKind.ASSISTANCE, defaults={"name": "Zespół pomocy"})
