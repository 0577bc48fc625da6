"""When the running phase (analysis or application) of an import started: a job that
has been "running" for too long was interrupted (see planning.jobs.STALE_AFTER)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("planning", "0002_initiative_statuses")]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
