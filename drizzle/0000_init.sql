CREATE TABLE `accessible_locks` (
	`user_id` text NOT NULL,
	`lock_id` text NOT NULL,
	`lock_name` text NOT NULL,
	`access_level` text NOT NULL,
	`valid_from` text,
	`valid_until` text,
	`granted_by` text NOT NULL,
	`granted_at` text NOT NULL,
	PRIMARY KEY(`user_id`, `lock_id`)
);
--> statement-breakpoint
CREATE TABLE `api_key_usage` (
	`key_hash` text PRIMARY KEY NOT NULL,
	`last_used_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`key_hash` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`prefix` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	`expires_at` text,
	`revoked_at` text
);
--> statement-breakpoint
CREATE INDEX `api_keys_org` ON `api_keys` (`org_id`);--> statement-breakpoint
CREATE TABLE `events` (
	`position` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`stream_id` text NOT NULL,
	`stream_version` integer NOT NULL,
	`type` text NOT NULL,
	`data` text NOT NULL,
	`metadata` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_stream_version` ON `events` (`stream_id`,`stream_version`);--> statement-breakpoint
CREATE INDEX `events_type` ON `events` (`type`);--> statement-breakpoint
CREATE TABLE `lock_keys` (
	`lock_id` integer NOT NULL,
	`key_uuid` text NOT NULL,
	`key_index_number` integer,
	`user_id` text,
	`added_at` text NOT NULL,
	PRIMARY KEY(`lock_id`, `key_uuid`)
);
--> statement-breakpoint
CREATE INDEX `lock_keys_user` ON `lock_keys` (`user_id`);--> statement-breakpoint
CREATE TABLE `lock_residents` (
	`lock_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`email` text,
	`name` text NOT NULL,
	PRIMARY KEY(`lock_id`, `user_id`)
);
--> statement-breakpoint
CREATE TABLE `locks` (
	`lock_id` integer PRIMARY KEY NOT NULL,
	`uuid` text NOT NULL,
	`index` integer NOT NULL,
	`serial_number` text,
	`vendor_name` text,
	`owner_id` text,
	`org_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `locks_owner` ON `locks` (`owner_id`);--> statement-breakpoint
CREATE INDEX `locks_org` ON `locks` (`org_id`);--> statement-breakpoint
CREATE TABLE `org_members` (
	`org_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`added_at` text NOT NULL,
	PRIMARY KEY(`org_id`, `user_id`)
);
--> statement-breakpoint
CREATE INDEX `org_members_user` ON `org_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `orgs` (
	`org_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`owner_email` text,
	`is_super` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `physical_keys` (
	`user_id` text NOT NULL,
	`number` integer NOT NULL,
	`org_id` text NOT NULL,
	`org_name` text,
	`note` text,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `number`)
);
--> statement-breakpoint
CREATE INDEX `physical_keys_org` ON `physical_keys` (`org_id`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `snapshots` (
	`stream_id` text PRIMARY KEY NOT NULL,
	`stream_version` integer NOT NULL,
	`schema_version` integer NOT NULL,
	`state` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `temp_keys` (
	`uuid` text PRIMARY KEY NOT NULL,
	`lock_id` integer NOT NULL,
	`lock_uuid` text NOT NULL,
	`access_mode` text NOT NULL,
	`allowed_user_ids` text NOT NULL,
	`valid_from` text NOT NULL,
	`valid_until` text NOT NULL,
	`max_uses` integer,
	`used_count` integer NOT NULL,
	`schedule` text,
	`description` text,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE INDEX `temp_keys_lock` ON `temp_keys` (`lock_id`);--> statement-breakpoint
CREATE TABLE `user_phone_numbers` (
	`user_id` text PRIMARY KEY NOT NULL,
	`phone_number` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `user_phone_numbers_number` ON `user_phone_numbers` (`phone_number`);--> statement-breakpoint
CREATE TABLE `users` (
	`user_id` text PRIMARY KEY NOT NULL,
	`email` text,
	`first_name` text,
	`last_name` text,
	`status` text NOT NULL,
	`password_hash` text,
	`next_physical_key_number` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);