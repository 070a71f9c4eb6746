"""Identifying values sealed under each person's data key (core/sealed.py)."""

import django.core.validators
from django.db import migrations, models

import pristan.core.sealed
from pristan.core.sealing_migration import seal_columns


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0001_initial"),
        ("people", "0003_sealed"),
        ("cases", "0005_sealed"),
    ]

    operations = [
        *seal_columns(
        "screening", "Screening",
        {
            'reason': pristan.core.sealed.SealedTextField(default='', editable=True, verbose_name='reason for the decision'),
        },
        "case__person__key_id",
    ),
    ]
