CREATE TABLE `collective_temp_key_doors` (
	`uuid` text NOT NULL,
	`door_id` integer NOT NULL,
	`lock_id` integer NOT NULL,
	`lock_uuid` text NOT NULL,
	`label` text,
	`access_method` text NOT NULL,
	PRIMARY KEY(`uuid`, `door_id`)
);
--> statement-breakpoint
CREATE INDEX `collective_temp_key_doors_lock` ON `collective_temp_key_doors` (`lock_id`,`uuid`);--> statement-breakpoint
CREATE TABLE `collective_temp_keys` (
	`uuid` text PRIMARY KEY NOT NULL,
	`description` text,
	`valid_from` text NOT NULL,
	`valid_until` text NOT NULL,
	`pin_seed` text,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE INDEX `collective_temp_keys_creator` ON `collective_temp_keys` (`created_by`,`created_at`,`uuid`);