"""Identifying values sealed under each person's data key (core/sealed.py)."""

import django.core.validators
from django.db import migrations, models

import pristan.core.sealed
from pristan.core.sealing_migration import seal_columns


class Migration(migrations.Migration):
    dependencies = [
        ("experience", "0001_initial"),
        ("people", "0003_sealed"),
        ("cases", "0005_sealed"),
    ]

    operations = [
        *seal_columns(
        "experience", "TraffickingExperience",
        {
            'vulnerability_details': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, verbose_name='details of vulnerabilities'),
        },
        "case__person__key_id",
    ),
        *seal_columns(
        "experience", "TraffickingEvent",
        {
            'city': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, max_length=100, verbose_name='city'),
            'description': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, verbose_name='description'),
        },
        "case__person__key_id",
    ),
        *seal_columns(
        "experience", "Perpetrator",
        {
            'name': pristan.core.sealed.SealedTextField(default='', editable=True, max_length=300, verbose_name='name or description'),
            'role_details': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, verbose_name='details of the role'),
        },
        "case__person__key_id",
    ),
    ]
