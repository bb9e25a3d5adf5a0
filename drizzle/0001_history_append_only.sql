-- App history is append-only: the database itself refuses to change or remove an event.
CREATE TRIGGER `app_history_events_no_update` BEFORE UPDATE ON `app_history_events`
BEGIN
	SELECT RAISE(ABORT, 'app history is append-only: events are never updated');
END;
--> statement-breakpoint
CREATE TRIGGER `app_history_events_no_delete` BEFORE DELETE ON `app_history_events`
BEGIN
	SELECT RAISE(ABORT, 'app history is append-only: events are never deleted');
END;
