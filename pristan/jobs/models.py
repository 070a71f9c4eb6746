"""What the queue needs beyond django-tasks' own table (DBTaskResult): when each periodic job is next due."""

from django.db import models


class ScheduledRun(models.Model):
    """The next time a periodic job (schedule.PERIODIC) is due. Kept in the database so that it
    survives restarts, and claimed by a conditional update so that two workers never both enqueue it."""

    name = models.CharField(max_length=100, primary_key=True)
    next_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.next_at:%Y-%m-%d %H:%M}"
