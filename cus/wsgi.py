import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cus.settings")
application = get_wsgi_application()

# Load the Polish lemmatiser's dictionary at start-up (about 4 s) rather than in the first resident's search.
from cus.catalog.search import query_terms  # noqa: E402

query_terms("usługi opiekuńcze")
