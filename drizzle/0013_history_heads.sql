ALTER TABLE `app_history_events` ADD `client_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `clients` ADD `history_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `clients` ADD `history_at` integer DEFAULT 0 NOT NULL;