CREATE TABLE "once_outcomes" (
	"token" text PRIMARY KEY NOT NULL,
	"claimed_at" bigint NOT NULL,
	"outcome" jsonb
);
--> statement-breakpoint
CREATE TABLE "rate_windows" (
	"key" text PRIMARY KEY NOT NULL,
	"window_start" bigint NOT NULL,
	"count" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "once_outcomes_claimed_at" ON "once_outcomes" USING btree ("claimed_at");--> statement-breakpoint
CREATE INDEX "rate_windows_window_start" ON "rate_windows" USING btree ("window_start");