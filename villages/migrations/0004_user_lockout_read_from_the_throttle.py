"""The lockout has one record, the LoginThrottle rows (villages.auth): the User mirror of it
(locked_until) and the unused failed_logins counter go. A lock in force is in the throttle
row of the name without an address, which the account pages now read."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('villages', '0003_slice_grants'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='user',
            name='failed_logins',
        ),
        migrations.RemoveField(
            model_name='user',
            name='locked_until',
        ),
    ]
