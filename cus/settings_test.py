"""Settings for the test suite: the normal settings with CUS_TESTING on (fast hashing, in-memory e-mail,
immediate tasks). The database comes from DATABASE_URL like everywhere else."""

import os

os.environ["CUS_TESTING"] = "1"
os.environ.setdefault("CUS_DEBUG", "0")

from cus.settings import *  # noqa: F403
