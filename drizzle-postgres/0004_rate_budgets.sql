CREATE TABLE "rate_budgets" (
	"key" text PRIMARY KEY NOT NULL,
	"units" double precision NOT NULL,
	"at" bigint NOT NULL
);
