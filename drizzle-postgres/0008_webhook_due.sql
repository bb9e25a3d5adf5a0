ALTER TABLE "webhooks" ADD COLUMN "due_at" bigint;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "wakes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "webhooks_due_idx" ON "webhooks" USING btree ("due_at") WHERE due_at IS NOT NULL;