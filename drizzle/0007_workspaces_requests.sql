CREATE TABLE `install_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`app_id` text NOT NULL,
	`scopes` text NOT NULL,
	`message` text,
	`requester` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`resolved_at` integer,
	`resolved_by` text,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `install_requests_client_idx` ON `install_requests` (`client_id`,`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `install_requests_workspace_idx` ON `install_requests` (`workspace_id`,`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `install_requests_app_idx` ON `install_requests` (`client_id`,`app_id`,`status`);--> statement-breakpoint
CREATE TABLE `workspace_app_decisions` (
	`workspace_id` text NOT NULL,
	`app_id` text NOT NULL,
	`client_id` text NOT NULL,
	`resolution` text NOT NULL,
	`approved_scopes` text,
	`decided_at` integer NOT NULL,
	`decided_by` text NOT NULL,
	`decided_by_name` text NOT NULL,
	PRIMARY KEY(`workspace_id`, `app_id`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `workspace_app_decisions_listing_idx` ON `workspace_app_decisions` (`workspace_id`,`resolution`,`app_id`);--> statement-breakpoint
CREATE INDEX `workspace_app_decisions_client_app_idx` ON `workspace_app_decisions` (`client_id`,`app_id`);--> statement-breakpoint
CREATE TABLE `workspaces` (
	`id` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `workspaces_client_name_idx` ON `workspaces` (`client_id`,lower("name"),`id`);--> statement-breakpoint
ALTER TABLE `client_app_states` ADD `approved_scopes` text;--> statement-breakpoint
ALTER TABLE `client_app_states` ADD `needs_reapproval` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `tokens` ADD `expires_at` integer;--> statement-breakpoint
ALTER TABLE `tokens` ADD `revoked_at` integer;