PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_app_assignments` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`app_id` text NOT NULL,
	`directory_id` text,
	`client_id` text,
	`mode` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`directory_id`) REFERENCES `directories`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "app_assignments_one_assignee" CHECK(("__new_app_assignments"."directory_id" IS NULL) <> ("__new_app_assignments"."client_id" IS NULL))
);
--> statement-breakpoint
INSERT INTO `__new_app_assignments`("seq", "id", "app_id", "directory_id", "client_id", "mode", "created_at", "updated_at") SELECT "seq", "id", "app_id", "directory_id", "client_id", "mode", "created_at", "updated_at" FROM `app_assignments`;--> statement-breakpoint
DROP TABLE `app_assignments`;--> statement-breakpoint
ALTER TABLE `__new_app_assignments` RENAME TO `app_assignments`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `app_assignments_id_unique` ON `app_assignments` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `app_assignments_app_directory_key` ON `app_assignments` (`app_id`,`directory_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `app_assignments_app_client_key` ON `app_assignments` (`app_id`,`client_id`);--> statement-breakpoint
CREATE INDEX `app_assignments_directory_idx` ON `app_assignments` (`directory_id`);--> statement-breakpoint
CREATE INDEX `app_assignments_directory_mode_idx` ON `app_assignments` (`directory_id`,`mode`);--> statement-breakpoint
CREATE INDEX `app_assignments_client_idx` ON `app_assignments` (`client_id`);--> statement-breakpoint
CREATE INDEX `app_assignments_client_mode_idx` ON `app_assignments` (`client_id`,`mode`);--> statement-breakpoint
CREATE INDEX `app_assignments_app_idx` ON `app_assignments` (`app_id`);--> statement-breakpoint
CREATE INDEX `app_assignments_app_mode_idx` ON `app_assignments` (`app_id`,`mode`);--> statement-breakpoint
CREATE INDEX `app_assignments_mode_idx` ON `app_assignments` (`mode`);