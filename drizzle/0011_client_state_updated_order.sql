DROP INDEX `client_app_states_updated_idx`;--> statement-breakpoint
CREATE INDEX `client_app_states_updated_idx` ON `client_app_states` (`client_id`,`updated_at`,`app_id`);--> statement-breakpoint
CREATE INDEX `apps_owner_id_idx` ON `apps` (`owner_directory_id`,`id`);