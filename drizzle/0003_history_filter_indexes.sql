DROP INDEX `app_history_events_app_idx`;--> statement-breakpoint
DROP INDEX `app_history_events_client_idx`;--> statement-breakpoint
CREATE INDEX `app_history_events_app_type_idx` ON `app_history_events` (`client_id`,`app_id`,`type`,`created_at`,`seq`);--> statement-breakpoint
CREATE INDEX `app_history_events_client_type_idx` ON `app_history_events` (`client_id`,`type`,`created_at`,`seq`);--> statement-breakpoint
CREATE INDEX `app_history_events_app_idx` ON `app_history_events` (`client_id`,`app_id`,`created_at`,`seq`);--> statement-breakpoint
CREATE INDEX `app_history_events_client_idx` ON `app_history_events` (`client_id`,`created_at`,`seq`);