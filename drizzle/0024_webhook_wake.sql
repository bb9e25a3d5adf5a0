-- A write of a client's history wakes its webhooks, in the same transaction: the claim of history
-- numbers (UPDATE clients SET history_seq = ...) makes an idle lane due at the event's time and
-- counts the wake-up, so a runner that found the lane caught up does not put it to sleep over it.
CREATE TRIGGER `webhooks_wake` AFTER UPDATE OF `history_seq` ON `clients`
	WHEN new.`history_seq` > old.`history_seq`
BEGIN
	UPDATE `webhooks` SET `wakes` = `wakes` + 1, `due_at` = coalesce(`due_at`, new.`history_at`) WHERE `client_id` = new.`id`;
END;
