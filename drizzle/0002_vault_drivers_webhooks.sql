CREATE TABLE `partner_events` (
	`position` integer NOT NULL,
	`org_id` text NOT NULL,
	`type` text NOT NULL,
	PRIMARY KEY(`org_id`, `position`)
);
--> statement-breakpoint
CREATE TABLE `user_credentials` (
	`user_id` text PRIMARY KEY NOT NULL,
	`password_hash` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`webhook_id` text NOT NULL,
	`position` integer NOT NULL,
	`message_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`state` text NOT NULL,
	`status_code` integer,
	`error` text,
	`duration_ms` integer,
	`created_at` integer NOT NULL,
	`next_attempt_at` integer
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_webhook` ON `webhook_deliveries` (`webhook_id`,`id`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`url` text NOT NULL,
	`events` text NOT NULL,
	`secret` text NOT NULL,
	`auth_type` text DEFAULT 'none' NOT NULL,
	`auth_header_name` text,
	`auth_value` text,
	`status` text NOT NULL,
	`disabled_reason` text,
	`checkpoint` integer NOT NULL,
	`failing_since` integer,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhooks_org` ON `webhooks` (`org_id`);--> statement-breakpoint
ALTER TABLE `locks` ADD `driver` text;--> statement-breakpoint
ALTER TABLE `locks` ADD `bridge_url` text;--> statement-breakpoint
ALTER TABLE `users` DROP COLUMN `password_hash`;