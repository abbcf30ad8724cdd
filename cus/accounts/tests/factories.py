from __future__ import annotations

import factory

from cus.accounts.models import RoleAssignment, User
from cus.core.tests.factories import CentreFactory

PASSWORD = "Długie-hasło-testowe-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"pracownik{n}@cus.example")
    full_name = factory.Sequence(lambda n: f"Pracownik Testowy {n}")
    centre = factory.SubFactory(CentreFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        """``roles=["director"]`` gives each role for all the centre's municipalities."""
        if not create:
            return
        members = list(self.centre.municipalities.all()) if self.centre else []
        for role in extracted or []:
            assignment = RoleAssignment.objects.create(user=self, role=role)
            assignment.municipalities.set(members)
        # Always save: the password is set after the row was created (skip_postgeneration_save), and a user
        # without roles must still be able to sign in and keep a session.
        self.save()
