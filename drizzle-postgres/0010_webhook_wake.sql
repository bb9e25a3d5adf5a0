-- A write of a client's history wakes its webhooks, in the same transaction (as on SQLite): the claim
-- of history numbers makes an idle lane due at the event's time and counts the wake-up. The writer
-- holds the client's row, then these webhook rows: a runner's update of one waits for the commit.
CREATE FUNCTION appgov_wake_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE webhooks SET wakes = wakes + 1, due_at = coalesce(due_at, NEW.history_at) WHERE client_id = NEW.id;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER webhooks_wake AFTER UPDATE OF history_seq ON clients
	FOR EACH ROW WHEN (NEW.history_seq > OLD.history_seq)
	EXECUTE FUNCTION appgov_wake_webhooks();
