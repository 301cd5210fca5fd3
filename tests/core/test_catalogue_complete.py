"""No page speaks English to an Indonesian reader by accident.

The catalogue's own test checks that every entry is translated; this one checks that every
message in the code is an entry. It extracts the messages again (``makemessages``, which
needs GNU gettext's ``xgettext``) into a copy of the catalogue, from a mirror of the source
tree made of links (so the real catalogue is never touched), and asks that nothing new or
untranslated turns up.
"""

import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

IGNORED = {".git", ".venv", "var", "staticfiles", "bench", "test-results", "tests", "locale"}
CATALOGUE = Path("locale") / "id" / "LC_MESSAGES" / "django.po"


@pytest.fixture
def extracted(tmp_path, settings, monkeypatch):
    if shutil.which("xgettext") is None:
        pytest.skip("needs GNU gettext's xgettext (apt-get install gettext)")
    base = Path(settings.BASE_DIR)
    mirror = tmp_path / "project"
    mirror.mkdir()
    for item in base.iterdir():
        if item.name not in IGNORED and not item.name.startswith("."):
            (mirror / item.name).symlink_to(item)
    copy = mirror / CATALOGUE
    copy.parent.mkdir(parents=True)
    shutil.copy(base / CATALOGUE, copy)
    settings.LOCALE_PATHS = [mirror / "locale"]
    monkeypatch.chdir(mirror)
    call_command(
        "makemessages", locale=["id"], domain="django", symlinks=True, no_obsolete=True, verbosity=0
    )
    return polib.pofile(str(copy))


def test_every_message_in_the_code_has_an_indonesian_translation(extracted):
    assert len(extracted) > 500  # the extraction ran over the whole project
    missing = [
        f"{entry.msgid!r} ({entry.occurrences[0][0] if entry.occurrences else '?'})"
        for entry in extracted
        if not entry.obsolete and (not entry.translated() or "fuzzy" in entry.flags)
    ]
    assert missing == [], "translate these in locale/id/LC_MESSAGES/django.po:\n" + "\n".join(
        missing
    )
