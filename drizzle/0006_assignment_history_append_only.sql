-- Assignment history is append-only, like app history: removing an assignment keeps its events.
CREATE TRIGGER `app_assignment_events_no_update` BEFORE UPDATE ON `app_assignment_events`
BEGIN
	SELECT RAISE(ABORT, 'assignment history is append-only: events are never updated');
END;
--> statement-breakpoint
CREATE TRIGGER `app_assignment_events_no_delete` BEFORE DELETE ON `app_assignment_events`
BEGIN
	SELECT RAISE(ABORT, 'assignment history is append-only: events are never deleted');
END;
