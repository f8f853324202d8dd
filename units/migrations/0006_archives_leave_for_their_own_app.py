"""ArchiveToken and Export now belong to the archives app (archives.0001 takes them over in
Django's state); their tables stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("units", "0005_slice_grants"),
        ("archives", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ArchiveToken"),
                migrations.DeleteModel(name="Export"),
            ],
            database_operations=[],
        ),
    ]
