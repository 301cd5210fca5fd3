"""Page tests read the Indonesian catalogue, so it is compiled once before they run."""

import pytest
from django.core.management import call_command
from django.utils.translation import trans_real


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    call_command("compile_translations", verbosity=0)
    # Catalogues loaded by earlier tests in this run were read without the fresh .mo file.
    trans_real._translations = {}
    trans_real._default = None
