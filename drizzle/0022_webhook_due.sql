ALTER TABLE `webhooks` ADD `due_at` integer;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `wakes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `webhooks_due_idx` ON `webhooks` (`due_at`) WHERE due_at IS NOT NULL;