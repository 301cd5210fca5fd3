"""Every URL declares who may open it; tests walk the URL configuration and hold it to that.

A view class carries ``access``: public pages show only public data; signed-in pages need a
session; tenant pages additionally need a role in the village (or seller) named in the URL;
owner pages show a row that belongs to the person (their order) and 404 to anyone else.
"""

from django.db import models


class Access(models.TextChoices):
    PUBLIC = "public"  # anyone, including anonymous visitors; shows only public data
    SIGNED_IN = "signed_in"  # any signed-in person, about their own data only
    TENANT = "tenant"  # a role in the village or seller the URL names
    OWNER = "owner"  # signed in, and the row the URL names is the person's own (an order)
