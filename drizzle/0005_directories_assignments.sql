CREATE TABLE `app_assignment_events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`assignment_id` text NOT NULL,
	`app_id` text NOT NULL,
	`directory_id` text,
	`client_id` text,
	`type` text NOT NULL,
	`from_mode` text,
	`to_mode` text,
	`actor_id` text NOT NULL,
	`actor_kind` text NOT NULL,
	`actor_name` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`directory_id`) REFERENCES `directories`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `app_assignment_events_id_unique` ON `app_assignment_events` (`id`);--> statement-breakpoint
CREATE INDEX `app_assignment_events_directory_idx` ON `app_assignment_events` (`directory_id`);--> statement-breakpoint
CREATE INDEX `app_assignment_events_directory_app_idx` ON `app_assignment_events` (`directory_id`,`app_id`);--> statement-breakpoint
CREATE INDEX `app_assignment_events_client_idx` ON `app_assignment_events` (`client_id`);--> statement-breakpoint
CREATE INDEX `app_assignment_events_client_app_idx` ON `app_assignment_events` (`client_id`,`app_id`);--> statement-breakpoint
CREATE INDEX `app_assignment_events_app_idx` ON `app_assignment_events` (`app_id`);--> statement-breakpoint
CREATE TABLE `app_assignments` (
	`seq` integer PRIMARY KEY NOT NULL,
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
	CONSTRAINT "app_assignments_one_assignee" CHECK(("app_assignments"."directory_id" IS NULL) <> ("app_assignments"."client_id" IS NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `app_assignments_id_unique` ON `app_assignments` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `app_assignments_app_directory_key` ON `app_assignments` (`app_id`,`directory_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `app_assignments_app_client_key` ON `app_assignments` (`app_id`,`client_id`);--> statement-breakpoint
CREATE INDEX `app_assignments_directory_idx` ON `app_assignments` (`directory_id`);--> statement-breakpoint
CREATE INDEX `app_assignments_directory_mode_idx` ON `app_assignments` (`directory_id`,`mode`);--> statement-breakpoint
CREATE INDEX `app_assignments_client_idx` ON `app_assignments` (`client_id`);--> statement-breakpoint
CREATE INDEX `app_assignments_client_mode_idx` ON `app_assignments` (`client_id`,`mode`);--> statement-breakpoint
CREATE INDEX `app_assignments_app_idx` ON `app_assignments` (`app_id`);--> statement-breakpoint
CREATE INDEX `app_assignments_app_mode_idx` ON `app_assignments` (`app_id`,`mode`);--> statement-breakpoint
CREATE INDEX `app_assignments_mode_idx` ON `app_assignments` (`mode`);--> statement-breakpoint
CREATE TABLE `directories` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `apps` ADD `owner_directory_id` text REFERENCES directories(id);--> statement-breakpoint
ALTER TABLE `apps` ADD `hidden_from_market` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `clients` ADD `directory_id` text REFERENCES directories(id);--> statement-breakpoint
ALTER TABLE `tokens` ADD `directory_id` text REFERENCES directories(id);