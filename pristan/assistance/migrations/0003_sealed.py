"""Identifying values sealed under each person's data key (core/sealed.py)."""

import django.core.validators
from django.db import migrations, models

import pristan.core.sealed
from pristan.core.sealing_migration import seal_columns


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0002_initial"),
        ("people", "0003_sealed"),
        ("cases", "0005_sealed"),
    ]

    operations = [
        *seal_columns(
        "assistance", "PlanObjective",
        {
            'objectives': pristan.core.sealed.SealedTextField(default='', editable=True, verbose_name='objectives'),
            'action_plan': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, verbose_name='action plan'),
        },
        "case__person__key_id",
    ),
        *seal_columns(
        "assistance", "ServiceItem",
        {
            'description': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, verbose_name='description'),
        },
        "case__person__key_id",
    ),
    ]
