"""Reference taxonomies shipped with every installation: the 14 statutory areas and common target groups.

Ids are UUID5 of the taxonomy id and the term code, so they are the same everywhere (HSDS feeds from different
gminas can be merged by term id).
"""

from __future__ import annotations

import uuid

AREAS_TAXONOMY = {
    "id": uuid.UUID("5a1f2d0e-3c9b-4f57-9a59-6c1b0d2f7a01"),
    "name": "Obszary usług społecznych (art. 2 ust. 1 ustawy o CUS)",
    "description": "Czternaście obszarów polityk publicznych, w których centrum usług społecznych realizuje usługi.",
    "uri": "https://isap.sejm.gov.pl/isap.nsf/DocDetails.xsp?id=WDU20190001818",
    "version": "2019",
}
TARGET_GROUPS_TAXONOMY = {
    "id": uuid.UUID("5a1f2d0e-3c9b-4f57-9a59-6c1b0d2f7a02"),
    "name": "Grupy odbiorców usług",
    "description": "Do kogo usługa jest skierowana.",
    "uri": "",
    "version": "1",
}

# art. 2 ust. 1, in statutory order: (code, Polish name, English name)
AREAS = [
    ("01", "Polityka prorodzinna", "Pro-family policy"),
    ("02", "Wspieranie rodziny", "Family support"),
    ("03", "System pieczy zastępczej", "Foster care"),
    ("04", "Pomoc społeczna", "Social assistance"),
    ("05", "Promocja i ochrona zdrowia", "Health promotion and protection"),
    ("06", "Wspieranie osób niepełnosprawnych", "Disability support"),
    ("07", "Edukacja publiczna", "Public education"),
    ("08", "Przeciwdziałanie bezrobociu", "Counteracting unemployment"),
    ("09", "Kultura", "Culture"),
    ("10", "Kultura fizyczna i turystyka", "Sport and tourism"),
    ("11", "Pobudzanie aktywności obywatelskiej", "Civic activation"),
    ("12", "Mieszkalnictwo", "Housing"),
    ("13", "Ochrona środowiska", "Environmental protection"),
    ("14", "Reintegracja zawodowa i społeczna", "Vocational and social reintegration"),
]

TARGET_GROUPS = [
    ("children", "Dzieci", "Children"),
    ("youth", "Młodzież", "Young people"),
    ("families", "Rodziny z dziećmi", "Families with children"),
    ("seniors", "Seniorzy", "Older people"),
    ("disability", "Osoby z niepełnosprawnościami", "People with disabilities"),
    ("carers", "Opiekunowie osób zależnych", "Carers of dependent people"),
    ("unemployed", "Osoby bezrobotne", "Unemployed people"),
    ("homeless", "Osoby w kryzysie bezdomności", "People experiencing homelessness"),
    ("mental_health", "Osoby w kryzysie psychicznym", "People in a mental-health crisis"),
    ("foreigners", "Cudzoziemcy", "Foreigners"),
    ("everyone", "Wszyscy mieszkańcy", "All residents"),
]


def term_id(taxonomy_id: uuid.UUID, code: str) -> uuid.UUID:
    return uuid.uuid5(taxonomy_id, code)
