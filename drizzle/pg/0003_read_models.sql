CREATE TABLE "accessible_locks" (
	"user_id" text NOT NULL,
	"lock_id" text NOT NULL,
	"lock_name" text NOT NULL,
	"access_level" text NOT NULL,
	"valid_from" text,
	"valid_until" text,
	"granted_by" text NOT NULL,
	"granted_at" text NOT NULL,
	CONSTRAINT "accessible_locks_user_id_lock_id_pk" PRIMARY KEY("user_id","lock_id")
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"key_hash" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" text NOT NULL,
	"created_by" text NOT NULL,
	"expires_at" text,
	"revoked_at" text
);
--> statement-breakpoint
CREATE TABLE "lock_keys" (
	"lock_id" bigint NOT NULL,
	"key_uuid" text NOT NULL,
	"key_index_number" bigint,
	"user_id" text,
	"added_at" text NOT NULL,
	CONSTRAINT "lock_keys_lock_id_key_uuid_pk" PRIMARY KEY("lock_id","key_uuid")
);
--> statement-breakpoint
CREATE TABLE "lock_residents" (
	"lock_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"email" text,
	"name" text NOT NULL,
	CONSTRAINT "lock_residents_lock_id_user_id_pk" PRIMARY KEY("lock_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "locks" (
	"lock_id" bigint PRIMARY KEY NOT NULL,
	"uuid" text NOT NULL,
	"index" bigint NOT NULL,
	"serial_number" text,
	"vendor_name" text,
	"owner_id" text,
	"org_id" text,
	"driver" text,
	"bridge_url" text,
	"created_at" text NOT NULL,
	"updated_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "org_members" (
	"org_id" text NOT NULL,
	"user_id" text NOT NULL,
	"role" text NOT NULL,
	"added_at" text NOT NULL,
	CONSTRAINT "org_members_org_id_user_id_pk" PRIMARY KEY("org_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "orgs" (
	"org_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"owner_email" text,
	"is_super" boolean NOT NULL,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "partner_events" (
	"position" bigint NOT NULL,
	"org_id" text NOT NULL,
	"type" text NOT NULL,
	CONSTRAINT "partner_events_org_id_position_pk" PRIMARY KEY("org_id","position")
);
--> statement-breakpoint
CREATE TABLE "physical_keys" (
	"user_id" text NOT NULL,
	"number" bigint NOT NULL,
	"org_id" text NOT NULL,
	"org_name" text,
	"note" text,
	"added_at" bigint NOT NULL,
	CONSTRAINT "physical_keys_user_id_number_pk" PRIMARY KEY("user_id","number")
);
--> statement-breakpoint
CREATE TABLE "temp_keys" (
	"uuid" text PRIMARY KEY NOT NULL,
	"lock_id" bigint NOT NULL,
	"lock_uuid" text NOT NULL,
	"access_mode" text NOT NULL,
	"allowed_user_ids" text NOT NULL,
	"entered_emails" text,
	"valid_from" text NOT NULL,
	"valid_until" text NOT NULL,
	"max_uses" bigint,
	"used_count" bigint NOT NULL,
	"schedule" text,
	"description" text,
	"created_at" text NOT NULL,
	"created_by" text NOT NULL,
	"deleted_at" text
);
--> statement-breakpoint
CREATE TABLE "user_emails" (
	"user_id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	CONSTRAINT "user_emails_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"user_id" text PRIMARY KEY NOT NULL,
	"email" text,
	"first_name" text,
	"last_name" text,
	"status" text NOT NULL,
	"created_at" text NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE INDEX "api_keys_org" ON "api_keys" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "lock_keys_user" ON "lock_keys" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "locks_owner" ON "locks" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "locks_org" ON "locks" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "org_members_user" ON "org_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "physical_keys_user_org" ON "physical_keys" USING btree ("user_id","org_id","number");--> statement-breakpoint
CREATE INDEX "physical_keys_org_added" ON "physical_keys" USING btree ("org_id","added_at","user_id","number");--> statement-breakpoint
CREATE INDEX "temp_keys_lock_page" ON "temp_keys" USING btree ("lock_id","deleted_at","created_at","uuid");