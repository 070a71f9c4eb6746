"""Identifying values sealed under each person's data key (core/sealed.py)."""

import django.core.validators
from django.db import migrations, models

import pristan.core.sealed
from pristan.core.sealing_migration import seal_columns


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_consent_to_export"),
        ("people", "0003_sealed"),
    ]

    operations = [
        *seal_columns(
        "cases", "Case",
        {
            'closure_details': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, verbose_name='details of closure'),
            'incoming_referral_details': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, verbose_name='details of referral to us'),
            'outgoing_referral_details': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, verbose_name='details of our referral'),
        },
        "person__key_id",
    ),
        *seal_columns(
        "cases", "ConsentEvent",
        {
            'note': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, max_length=500, verbose_name='note'),
        },
        "case__person__key_id",
    ),
        *seal_columns(
        "cases", "ConsentOverride",
        {
            'reason': pristan.core.sealed.SealedTextField(default='', editable=True, verbose_name='reason for proceeding without consent'),
        },
        "case__person__key_id",
    ),
        *seal_columns(
        "cases", "CaseNote",
        {
            'text': pristan.core.sealed.SealedTextField(default='', editable=True, verbose_name='note'),
        },
        "case__person__key_id",
    ),
        *seal_columns(
        "cases", "Task",
        {
            'title': pristan.core.sealed.SealedTextField(default='', editable=True, max_length=200, verbose_name='task'),
        },
        "case__person__key_id",
    ),
    ]
