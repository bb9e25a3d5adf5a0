CREATE TABLE "app_assignment_events" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "app_assignment_events_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"id" text NOT NULL,
	"assignment_id" text NOT NULL,
	"app_id" text NOT NULL,
	"directory_id" text,
	"client_id" text,
	"type" text NOT NULL,
	"from_mode" text,
	"to_mode" text,
	"actor_id" text NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_name" text NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "app_assignment_events_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "app_assignments" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "app_assignments_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"id" text NOT NULL,
	"app_id" text NOT NULL,
	"directory_id" text,
	"client_id" text,
	"mode" text NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "app_assignments_id_unique" UNIQUE("id"),
	CONSTRAINT "app_assignments_one_assignee" CHECK (("app_assignments"."directory_id" IS NULL) <> ("app_assignments"."client_id" IS NULL))
);
--> statement-breakpoint
CREATE TABLE "app_history_events" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "app_history_events_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"id" text NOT NULL,
	"client_id" text NOT NULL,
	"app_id" text NOT NULL,
	"type" text NOT NULL,
	"actor_id" text NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_name" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" bigint NOT NULL,
	"client_seq" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "app_history_events_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "apps" (
	"id" text PRIMARY KEY NOT NULL,
	"code_name" text NOT NULL,
	"name" text NOT NULL,
	"scopes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" bigint NOT NULL,
	"owner_directory_id" text,
	"hidden_from_market" boolean DEFAULT false NOT NULL,
	CONSTRAINT "apps_code_name_unique" UNIQUE("code_name")
);
--> statement-breakpoint
CREATE TABLE "client_app_states" (
	"client_id" text NOT NULL,
	"app_id" text NOT NULL,
	"resolution" text NOT NULL,
	"decided_at" bigint,
	"decided_by" text,
	"owner_email" text,
	"category" text,
	"risk_level" text,
	"approved_scopes" jsonb,
	"needs_reapproval" boolean DEFAULT false NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "client_app_states_client_id_app_id_pk" PRIMARY KEY("client_id","app_id")
);
--> statement-breakpoint
CREATE TABLE "clients" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" bigint NOT NULL,
	"directory_id" text,
	"history_seq" bigint DEFAULT 0 NOT NULL,
	"history_at" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "directories" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "health_checks" (
	"id" integer PRIMARY KEY NOT NULL,
	"checked_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "install_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"client_id" text NOT NULL,
	"workspace_id" text NOT NULL,
	"app_id" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"message" text,
	"requester" text NOT NULL,
	"status" text NOT NULL,
	"created_at" bigint NOT NULL,
	"resolved_at" bigint,
	"resolved_by" text
);
--> statement-breakpoint
CREATE TABLE "service_keys" (
	"name" text PRIMARY KEY NOT NULL,
	"secret" "bytea" NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"client_id" text,
	"directory_id" text,
	"token_hash" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"created_at" bigint NOT NULL,
	"expires_at" bigint,
	"revoked_at" bigint,
	CONSTRAINT "tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "workspace_app_decisions" (
	"workspace_id" text NOT NULL,
	"app_id" text NOT NULL,
	"client_id" text NOT NULL,
	"resolution" text NOT NULL,
	"approved_scopes" jsonb,
	"decided_at" bigint NOT NULL,
	"decided_by" text NOT NULL,
	"decided_by_name" text NOT NULL,
	CONSTRAINT "workspace_app_decisions_workspace_id_app_id_pk" PRIMARY KEY("workspace_id","app_id")
);
--> statement-breakpoint
CREATE TABLE "workspaces" (
	"id" text PRIMARY KEY NOT NULL,
	"client_id" text NOT NULL,
	"name" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "app_assignment_events" ADD CONSTRAINT "app_assignment_events_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_assignment_events" ADD CONSTRAINT "app_assignment_events_directory_id_directories_id_fk" FOREIGN KEY ("directory_id") REFERENCES "public"."directories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_assignment_events" ADD CONSTRAINT "app_assignment_events_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_assignments" ADD CONSTRAINT "app_assignments_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_assignments" ADD CONSTRAINT "app_assignments_directory_id_directories_id_fk" FOREIGN KEY ("directory_id") REFERENCES "public"."directories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_assignments" ADD CONSTRAINT "app_assignments_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_history_events" ADD CONSTRAINT "app_history_events_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_history_events" ADD CONSTRAINT "app_history_events_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "apps" ADD CONSTRAINT "apps_owner_directory_id_directories_id_fk" FOREIGN KEY ("owner_directory_id") REFERENCES "public"."directories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "client_app_states" ADD CONSTRAINT "client_app_states_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "client_app_states" ADD CONSTRAINT "client_app_states_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clients" ADD CONSTRAINT "clients_directory_id_directories_id_fk" FOREIGN KEY ("directory_id") REFERENCES "public"."directories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "install_requests" ADD CONSTRAINT "install_requests_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "install_requests" ADD CONSTRAINT "install_requests_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "install_requests" ADD CONSTRAINT "install_requests_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_directory_id_directories_id_fk" FOREIGN KEY ("directory_id") REFERENCES "public"."directories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_app_decisions" ADD CONSTRAINT "workspace_app_decisions_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_app_decisions" ADD CONSTRAINT "workspace_app_decisions_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_app_decisions" ADD CONSTRAINT "workspace_app_decisions_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "app_assignment_events_directory_idx" ON "app_assignment_events" USING btree ("directory_id","seq");--> statement-breakpoint
CREATE INDEX "app_assignment_events_directory_app_idx" ON "app_assignment_events" USING btree ("directory_id","app_id","seq");--> statement-breakpoint
CREATE INDEX "app_assignment_events_client_idx" ON "app_assignment_events" USING btree ("client_id","seq");--> statement-breakpoint
CREATE INDEX "app_assignment_events_client_app_idx" ON "app_assignment_events" USING btree ("client_id","app_id","seq");--> statement-breakpoint
CREATE INDEX "app_assignment_events_app_idx" ON "app_assignment_events" USING btree ("app_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "app_assignments_app_directory_key" ON "app_assignments" USING btree ("app_id","directory_id");--> statement-breakpoint
CREATE UNIQUE INDEX "app_assignments_app_client_key" ON "app_assignments" USING btree ("app_id","client_id");--> statement-breakpoint
CREATE INDEX "app_assignments_directory_idx" ON "app_assignments" USING btree ("directory_id","seq");--> statement-breakpoint
CREATE INDEX "app_assignments_directory_mode_idx" ON "app_assignments" USING btree ("directory_id","mode","seq");--> statement-breakpoint
CREATE INDEX "app_assignments_client_idx" ON "app_assignments" USING btree ("client_id","seq");--> statement-breakpoint
CREATE INDEX "app_assignments_client_mode_idx" ON "app_assignments" USING btree ("client_id","mode","seq");--> statement-breakpoint
CREATE INDEX "app_assignments_app_idx" ON "app_assignments" USING btree ("app_id","seq");--> statement-breakpoint
CREATE INDEX "app_assignments_app_mode_idx" ON "app_assignments" USING btree ("app_id","mode","seq");--> statement-breakpoint
CREATE INDEX "app_assignments_mode_idx" ON "app_assignments" USING btree ("mode","seq");--> statement-breakpoint
CREATE INDEX "app_history_events_app_type_idx" ON "app_history_events" USING btree ("client_id","app_id","type","created_at","client_seq");--> statement-breakpoint
CREATE INDEX "app_history_events_client_type_idx" ON "app_history_events" USING btree ("client_id","type","created_at","client_seq");--> statement-breakpoint
CREATE INDEX "apps_sort_name_idx" ON "apps" USING btree (lower("name" COLLATE "C"),"id");--> statement-breakpoint
CREATE INDEX "apps_owner_name_idx" ON "apps" USING btree ("owner_directory_id",lower("name" COLLATE "C"),"id");--> statement-breakpoint
CREATE INDEX "apps_owner_id_idx" ON "apps" USING btree ("owner_directory_id","id");--> statement-breakpoint
CREATE INDEX "client_app_states_resolution_idx" ON "client_app_states" USING btree ("client_id","resolution");--> statement-breakpoint
CREATE INDEX "client_app_states_updated_idx" ON "client_app_states" USING btree ("client_id","updated_at","app_id");--> statement-breakpoint
CREATE INDEX "install_requests_client_idx" ON "install_requests" USING btree ("client_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "install_requests_workspace_idx" ON "install_requests" USING btree ("workspace_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "install_requests_app_idx" ON "install_requests" USING btree ("client_id","app_id","status");--> statement-breakpoint
CREATE INDEX "workspace_app_decisions_listing_idx" ON "workspace_app_decisions" USING btree ("workspace_id","resolution","app_id");--> statement-breakpoint
CREATE INDEX "workspace_app_decisions_client_app_idx" ON "workspace_app_decisions" USING btree ("client_id","app_id");--> statement-breakpoint
CREATE INDEX "workspaces_client_name_idx" ON "workspaces" USING btree ("client_id",lower("name" COLLATE "C"),"id");