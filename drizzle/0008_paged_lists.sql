DROP INDEX `temp_keys_lock`;--> statement-breakpoint
CREATE INDEX `temp_keys_lock_page` ON `temp_keys` (`lock_id`,`deleted_at`,`created_at`,`uuid`);--> statement-breakpoint
CREATE INDEX `physical_keys_user_org` ON `physical_keys` (`user_id`,`org_id`,`number`);