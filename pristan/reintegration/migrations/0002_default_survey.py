"""The default reintegration survey (data/survey_default.toml) as version 1.

Later versions are added with `pristan survey load FILE`, never by editing this one."""

from django.db import migrations

from pristan.reintegration.survey import DEFAULT_FILE, parse_file


def load_default(apps, schema_editor):
    Survey = apps.get_model("reintegration", "Survey")
    if not Survey.objects.exists():
        definition = parse_file(DEFAULT_FILE)
        Survey.objects.create(version=1, name=definition["name"], definition=definition, source=DEFAULT_FILE.name)


class Migration(migrations.Migration):
    dependencies = [("reintegration", "0001_initial")]

    operations = [migrations.RunPython(load_default, migrations.RunPython.noop)]
