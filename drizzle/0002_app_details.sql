PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_client_app_states` (
	`client_id` text NOT NULL,
	`app_id` text NOT NULL,
	`resolution` text NOT NULL,
	`decided_at` integer,
	`decided_by` text,
	`owner_email` text,
	`category` text,
	`risk_level` text,
	`version` integer DEFAULT 1 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`client_id`, `app_id`),
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_client_app_states`("client_id", "app_id", "resolution", "decided_at", "decided_by", "owner_email", "category", "risk_level", "version", "updated_at") SELECT "client_id", "app_id", "resolution", "decided_at", "decided_by", NULL, NULL, NULL, "version", "updated_at" FROM `client_app_states`;--> statement-breakpoint
DROP TABLE `client_app_states`;--> statement-breakpoint
ALTER TABLE `__new_client_app_states` RENAME TO `client_app_states`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `client_app_states_resolution_idx` ON `client_app_states` (`client_id`,`resolution`);--> statement-breakpoint
CREATE INDEX `client_app_states_updated_idx` ON `client_app_states` (`client_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `app_history_events_client_idx` ON `app_history_events` (`client_id`,`seq`);