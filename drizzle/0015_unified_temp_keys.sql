DROP INDEX `collective_temp_key_doors_lock`;--> statement-breakpoint
ALTER TABLE `collective_temp_key_doors` ADD `created_at` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX `collective_temp_key_doors_lock_created` ON `collective_temp_key_doors` (`lock_id`,`created_at`,`uuid`);--> statement-breakpoint
CREATE INDEX `temp_keys_lock_created` ON `temp_keys` (`lock_id`,`created_at`,`uuid`);--> statement-breakpoint
CREATE INDEX `temp_keys_creator` ON `temp_keys` (`created_by`,`created_at`,`uuid`);