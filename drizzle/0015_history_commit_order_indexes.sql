DROP INDEX `app_history_events_app_type_idx`;--> statement-breakpoint
DROP INDEX `app_history_events_client_type_idx`;--> statement-breakpoint
CREATE INDEX `app_history_events_app_type_idx` ON `app_history_events` (`client_id`,`app_id`,`type`,`created_at`,`client_seq`);--> statement-breakpoint
CREATE INDEX `app_history_events_client_type_idx` ON `app_history_events` (`client_id`,`type`,`created_at`,`client_seq`);