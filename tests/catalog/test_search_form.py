"""The search filters' selects write the same markup as Django's, without a template per option."""

import pytest
from django import forms

from catalog.search import OptionsSelect, ProductSearchForm
from catalog.selectors.storefront import category_tree, villages_for_filter

CHOICES = [("", "All"), ("sewon", "Sewon & Pleret"), ('a"b', "<b>bold</b>")]


class DjangoSelectForm(forms.Form):
    place = forms.ChoiceField(choices=CHOICES, required=False, help_text="Where")


class OptionsSelectForm(forms.Form):
    place = forms.ChoiceField(
        choices=CHOICES, required=False, help_text="Where", widget=OptionsSelect
    )


@pytest.mark.parametrize("data", [{}, {"place": "sewon"}, {"place": 'a"b'}, {"place": "nowhere"}])
def test_options_select_writes_what_django_writes(data):
    django_form, our_form = DjangoSelectForm(data), OptionsSelectForm(data)
    django_form.is_valid()
    our_form.is_valid()

    assert str(our_form["place"]) == str(django_form["place"])


@pytest.mark.django_db
def test_the_search_form_selects_the_chosen_village_and_category(two_villages):
    form = ProductSearchForm(
        {"village": "sriharjo", "category": "beras", "sort": "newest"},
        villages=villages_for_filter(),
        tree=category_tree(),
    )
    assert form.is_valid(), form.errors

    assert '<option value="sriharjo" selected>Sriharjo</option>' in str(form["village"])
    assert '<option value="beras" selected>' in str(form["category"])
    assert '<option value="newest" selected>' in str(form["sort"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {},
        {"q": 'bras <b>"x"', "staple": "1", "in_stock": "on", "min_price": "10", "max_price": "5"},
        {"q": "b" * 200, "min_price": "abc", "staple": ""},
    ],
)
def test_the_search_form_inputs_write_what_django_writes(data):
    form = ProductSearchForm(data, villages=villages_for_filter(), tree=category_tree())
    form.is_valid()

    for name in ("q", "staple", "in_stock", "min_price", "max_price"):
        ours = str(form[name])
        widget = form.fields[name].widget
        djangos = next(c for c in type(widget).__mro__ if c.__module__ == "django.forms.widgets")
        form.fields[name].widget = djangos(attrs=widget.attrs)
        assert ours == str(form[name]), name
