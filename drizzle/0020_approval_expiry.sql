ALTER TABLE `client_app_states` ADD `approval_expires_at` integer;--> statement-breakpoint
CREATE INDEX `client_app_states_expiry_idx` ON `client_app_states` (`client_id`,`approval_expires_at`,`app_id`) WHERE approval_expires_at IS NOT NULL;--> statement-breakpoint
ALTER TABLE `clients` ADD `approvals_due_at` integer;--> statement-breakpoint
CREATE INDEX `clients_approvals_due_idx` ON `clients` (`approvals_due_at`) WHERE approvals_due_at IS NOT NULL;--> statement-breakpoint
ALTER TABLE `workspace_app_decisions` ADD `approval_expires_at` integer;--> statement-breakpoint
CREATE INDEX `workspace_app_decisions_expiry_idx` ON `workspace_app_decisions` (`client_id`,`approval_expires_at`) WHERE approval_expires_at IS NOT NULL;