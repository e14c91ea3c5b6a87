from config.celery import BEAT_SCHEDULE, app


def test_every_clock_job_is_scheduled_and_registered():
    app.loader.import_default_modules()
    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    jobs = {
        "dossiers.deadlines.sweep",
        "dossiers.deadlines.drafts",
        "notifications.daily_digests",
        "notifications.citizen_reminders",
        "notifications.weekly_summaries",
    }
    assert jobs <= tasks
    assert jobs <= set(app.tasks)
