-- App history and assignment history are append-only, as on SQLite (RAISE(ABORT) triggers there).
CREATE FUNCTION appgov_refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% is append-only: events are never %', TG_ARGV[0], CASE TG_OP WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER app_history_events_append_only BEFORE UPDATE OR DELETE ON app_history_events
	FOR EACH ROW EXECUTE FUNCTION appgov_refuse_history_change('app history');
--> statement-breakpoint
CREATE TRIGGER app_assignment_events_append_only BEFORE UPDATE OR DELETE ON app_assignment_events
	FOR EACH ROW EXECUTE FUNCTION appgov_refuse_history_change('assignment history');
