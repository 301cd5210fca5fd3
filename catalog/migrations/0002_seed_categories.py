"""The staple categories, grouped like the national food-aid groups, and common others.

Names are Indonesian data, not interface text: they are what the villages call the goods.
"""

from django.db import migrations

STAPLES = [
    ("karbohidrat", "Karbohidrat", "carbohydrate", [
        ("beras", "Beras"), ("tepung", "Tepung"), ("gula", "Gula"),
    ]),
    ("protein-hewani", "Protein hewani", "animal_protein", [
        ("telur", "Telur"), ("daging-ayam", "Daging ayam"), ("daging-sapi", "Daging sapi"),
        ("ikan", "Ikan"),
    ]),
    ("protein-nabati", "Protein nabati", "plant_protein", [
        ("kedelai-tahu-tempe", "Kedelai, tahu, tempe"),
    ]),
    ("vitamin-mineral", "Vitamin dan mineral", "vitamins_minerals", [
        ("sayur", "Sayur"), ("buah", "Buah"),
    ]),
    ("minyak-bumbu", "Minyak dan bumbu dapur", "fats_seasoning", [
        ("minyak-goreng", "Minyak goreng"), ("garam", "Garam"),
    ]),
]
OTHERS = [
    ("makanan-olahan", "Makanan olahan"),
    ("kerajinan", "Kerajinan"),
    ("fashion-batik", "Fashion dan batik"),
    ("jasa-pitulungan", "Jasa dan pitulungan"),
    ("paket-wisata", "Paket wisata"),
    ("kebutuhan-rumah-tangga", "Kebutuhan rumah tangga"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    position = 0
    for slug, name, group, children in STAPLES:
        position += 1
        parent, _ = Category.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "is_staple": True, "food_group": group, "position": position},
        )
        for child_position, (child_slug, child_name) in enumerate(children, start=1):
            Category.objects.update_or_create(
                slug=child_slug,
                defaults={
                    "name": child_name,
                    "parent": parent,
                    "is_staple": True,
                    "food_group": group,
                    "position": child_position,
                },
            )
    for slug, name in OTHERS:
        position += 1
        Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "is_staple": False, "position": position}
        )


def unseed(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    slugs = [slug for slug, _n, _g, _c in STAPLES] + [slug for slug, _n in OTHERS]
    children = [child for _s, _n, _g, kids in STAPLES for child, _cn in kids]
    Category.objects.filter(slug__in=children).delete()
    Category.objects.filter(slug__in=slugs).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
