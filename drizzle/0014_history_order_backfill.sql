-- Number every existing event in the order listings already showed it, newest first by (created_at, seq):
-- per client 1, 2, 3, ... oldest first. Then each client's head is its last number and newest time, so
-- the next event a writer appends follows them. The append-only trigger is lifted for this one update.
DROP TRIGGER `app_history_events_no_update`;
--> statement-breakpoint
UPDATE `app_history_events` SET `client_seq` = n.rn
FROM (SELECT `seq`, row_number() OVER (PARTITION BY `client_id` ORDER BY `created_at`, `seq`) AS rn FROM `app_history_events`) AS n
WHERE n.`seq` = `app_history_events`.`seq`;
--> statement-breakpoint
CREATE TRIGGER `app_history_events_no_update` BEFORE UPDATE ON `app_history_events`
BEGIN
	SELECT RAISE(ABORT, 'app history is append-only: events are never updated');
END;
--> statement-breakpoint
UPDATE `clients` SET `history_seq` = h.n, `history_at` = h.at
FROM (SELECT `client_id`, max(`client_seq`) AS n, max(`created_at`) AS at FROM `app_history_events` GROUP BY `client_id`) AS h
WHERE h.`client_id` = `clients`.`id`;
