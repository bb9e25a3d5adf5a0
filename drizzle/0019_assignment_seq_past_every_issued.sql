-- app_assignments.seq is AUTOINCREMENT from 0018 on: SQLite then never gives a seq lower than the one in
-- sqlite_sequence. The rebuild set it to the largest seq left, but before 0018 a removed newest
-- assignment's seq could already have been handed out (and be held in a cursor) without a row keeping it.
-- Every assignment ever created wrote one ASSIGNED event (append-only), and each insert took at most one
-- more than the largest rowid before it, so no seq ever given exceeds the number of ASSIGNED events:
-- starting past both, no seq of the past is given again.
DELETE FROM sqlite_sequence WHERE name = 'app_assignments';
--> statement-breakpoint
INSERT INTO sqlite_sequence (name, seq)
SELECT 'app_assignments', max(
	coalesce((SELECT max(seq) FROM app_assignments), 0),
	(SELECT count(*) FROM app_assignment_events WHERE type = 'ASSIGNED')
);
