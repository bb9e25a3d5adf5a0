CREATE TABLE `app_range_counts` (
	`owner_key` text PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
