"""Indexes a person's own records need in a register of millions of audit events (issue 11):
the portal's activity list and an erasure's count find a person's events by actor, and
the erasure deletes the admin's log entries about the person by object."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("privacy", "0007_audit_approval_actions"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor_id"], name="privacy_audit_actor"),
        ),
        # django.contrib.admin's LogEntry is not ours to give a Meta index; the same SQL
        # works on SQLite and PostgreSQL.
        migrations.RunSQL(
            "CREATE INDEX privacy_admin_log_object ON django_admin_log (content_type_id, object_id)",
            "DROP INDEX privacy_admin_log_object",
        ),
    ]
