"""Small readers of rendered HTML, so page tests assert on structure rather than on layout."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    attrs: dict[str, str | None]
    inputs: list[dict[str, str | None]] = field(default_factory=list)
    buttons: list[dict[str, str | None]] = field(default_factory=list)

    def names(self) -> set[str]:
        return {str(i["name"]) for i in self.inputs if i.get("name")}


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.resources: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.headings: dict[str, list[str]] = {}
        self.form_targets: set[str] = set()  # ids of forms submitted by an outside button
        self._open_form: Form | None = None
        self._heading: str | None = None
        self._heading_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._open_form = Form(attributes)
            self.forms.append(self._open_form)
        elif tag in {"input", "select", "textarea"} and self._open_form is not None:
            self._open_form.inputs.append({"tag": tag, **attributes})
        elif tag == "button" and self._open_form is not None:
            self._open_form.buttons.append(attributes)
        if tag in {"button", "input"} and attributes.get("form"):
            self.form_targets.add(str(attributes["form"]))
        if tag == "script":
            self.scripts.append(attributes)
        for name in ("src", "href"):
            if tag in {"script", "link", "img", "iframe", "source"} and attributes.get(name):
                self.resources.append(str(attributes[name]))
        if tag in {"h1", "h2"}:
            self._heading, self._heading_text = tag, []

    def handle_endtag(self, tag):
        if tag == "form":
            self._open_form = None
        if tag == self._heading:
            text = " ".join("".join(self._heading_text).split())
            self.headings.setdefault(tag, []).append(text)
            self._heading = None

    def handle_data(self, data):
        if self._heading:
            self._heading_text.append(data)


@dataclass
class Page:
    html: str
    forms: list[Form]
    resources: list[str]
    scripts: list[dict[str, str | None]]
    headings: dict[str, list[str]]
    form_targets: set[str]

    def text(self) -> str:
        """The visible words, tags removed and whitespace collapsed."""
        body = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", self.html)
        return " ".join(re.sub(r"<[^>]+>", " ", body).split())

    def element_text(self, element_id: str) -> str:
        """The words inside the element with this id (nested elements of its kind allowed)."""
        start = re.search(rf'<(\w+)\b[^>]*\bid="{re.escape(element_id)}"[^>]*>', self.html)
        assert start, f"no element with id {element_id!r}"
        tag, depth = start.group(1), 1
        tags = re.compile(rf"<(/?){tag}\b[^>]*>")
        for match in tags.finditer(self.html, start.end()):
            depth += -1 if match.group(1) else 1
            if depth == 0:
                inner = self.html[start.end() : match.start()]
                return " ".join(re.sub(r"<[^>]+>", " ", inner).split())
        raise AssertionError(f"element {element_id!r} is never closed")

    def forms_posting_to(self, action: str) -> list[Form]:
        return [f for f in self.forms if f.attrs.get("action") == action]

    def form_posting_to(self, action: str, *, having: str | None = None) -> Form:
        """The one form that posts to ``action`` (and has a field named ``having``)."""
        matches = [
            f for f in self.forms_posting_to(action) if having is None or having in f.names()
        ]
        assert len(matches) == 1, f"expected one form posting to {action}, found {len(matches)}"
        return matches[0]


def read_page(response) -> Page:
    html = response.content.decode()
    parser = _PageParser()
    parser.feed(html)
    return Page(
        html, parser.forms, parser.resources, parser.scripts, parser.headings, parser.form_targets
    )
