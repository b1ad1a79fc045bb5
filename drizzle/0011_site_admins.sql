CREATE TABLE `site_admins` (
	`user_id` text PRIMARY KEY NOT NULL,
	`added_at` integer NOT NULL
);
