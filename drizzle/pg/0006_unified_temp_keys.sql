DROP INDEX "collective_temp_key_doors_lock";--> statement-breakpoint
ALTER TABLE "collective_temp_key_doors" ADD COLUMN "created_at" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX "collective_temp_key_doors_lock_created" ON "collective_temp_key_doors" USING btree ("lock_id","created_at","uuid");--> statement-breakpoint
CREATE INDEX "temp_keys_lock_created" ON "temp_keys" USING btree ("lock_id","created_at","uuid");--> statement-breakpoint
CREATE INDEX "temp_keys_creator" ON "temp_keys" USING btree ("created_by","created_at","uuid");