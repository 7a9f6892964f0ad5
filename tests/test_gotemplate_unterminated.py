"""An unterminated string in a template action is named as Go names it (not as the character
that follows it)."""

from __future__ import annotations

import pytest

from lambherd.definition.template import render_template
from lambherd.errors import TemplateError


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{{ env "A }}', "unterminated quoted string"),
        ('{"x": "{{ env "A }}"}\n', "unexpected"),  # the quote closes inside: Go's own reading
        ("{{ env `A }}", "unterminated raw quoted string"),
        ("{{ env 'A }}", "unterminated character constant"),
        ('{{ env "A\n" }}', "unterminated quoted string"),
    ],
)
def test_unterminated_strings_are_named(text: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render_template(text, {"env": lambda *a: "v"}, "function.json")
    assert message in str(caught.value)
    assert str(caught.value).startswith("template: function.json:1:")
