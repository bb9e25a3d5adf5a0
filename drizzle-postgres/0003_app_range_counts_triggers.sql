-- Apps per visibility range, counted once from the catalog, then kept by a trigger on every change (as on SQLite).
INSERT INTO app_range_counts (owner_key, n) SELECT coalesce(owner_directory_id, ''), count(*) FROM apps GROUP BY 1;
--> statement-breakpoint
CREATE FUNCTION appgov_count_app_ranges() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('DELETE', 'UPDATE') THEN
		UPDATE app_range_counts SET n = n - 1 WHERE owner_key = coalesce(OLD.owner_directory_id, '');
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		INSERT INTO app_range_counts (owner_key, n) VALUES (coalesce(NEW.owner_directory_id, ''), 1)
		ON CONFLICT (owner_key) DO UPDATE SET n = app_range_counts.n + 1;
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER app_range_counts_insert_delete AFTER INSERT OR DELETE ON apps
	FOR EACH ROW EXECUTE FUNCTION appgov_count_app_ranges();
--> statement-breakpoint
CREATE TRIGGER app_range_counts_move AFTER UPDATE OF owner_directory_id ON apps
	FOR EACH ROW WHEN (coalesce(OLD.owner_directory_id, '') IS DISTINCT FROM coalesce(NEW.owner_directory_id, ''))
	EXECUTE FUNCTION appgov_count_app_ranges();
