-- Apps per visibility range, counted once from the catalog, then kept by triggers on every change.
INSERT INTO `app_range_counts` (`owner_key`, `n`) SELECT coalesce(`owner_directory_id`, ''), count(*) FROM `apps` GROUP BY 1;
--> statement-breakpoint
CREATE TRIGGER `app_range_counts_insert` AFTER INSERT ON `apps`
BEGIN
	INSERT INTO `app_range_counts` (`owner_key`, `n`) VALUES (coalesce(new.`owner_directory_id`, ''), 1)
	ON CONFLICT (`owner_key`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `app_range_counts_delete` AFTER DELETE ON `apps`
BEGIN
	UPDATE `app_range_counts` SET `n` = `n` - 1 WHERE `owner_key` = coalesce(old.`owner_directory_id`, '');
END;
--> statement-breakpoint
CREATE TRIGGER `app_range_counts_move` AFTER UPDATE OF `owner_directory_id` ON `apps`
	WHEN coalesce(old.`owner_directory_id`, '') <> coalesce(new.`owner_directory_id`, '')
BEGIN
	UPDATE `app_range_counts` SET `n` = `n` - 1 WHERE `owner_key` = coalesce(old.`owner_directory_id`, '');
	INSERT INTO `app_range_counts` (`owner_key`, `n`) VALUES (coalesce(new.`owner_directory_id`, ''), 1)
	ON CONFLICT (`owner_key`) DO UPDATE SET `n` = `n` + 1;
END;
