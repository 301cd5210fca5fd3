"""Assertions shared by the API tests."""

ERROR_KEYS = {"message", "code", "extra"}


def error_of(response, status, code):
    """The body of an error response, after checking its status, shape and code."""
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == ERROR_KEYS
    assert body["code"] == code
    return body


def indonesian(msgid):
    """The Indonesian translation of ``msgid``, which must have one."""
    from django.utils import translation

    with translation.override("id"):
        text = translation.gettext(msgid)
    assert text != msgid, f"no Indonesian translation for {msgid!r}"
    return text
