-- Off the write path: two indexes no query reads (the log is read by stream and position; keys by user) and the
-- users' key counter, which the user stream's state keeps (decisions read that, never this column).
DROP INDEX `events_type`;--> statement-breakpoint
DROP INDEX `physical_keys_org`;--> statement-breakpoint
ALTER TABLE `users` DROP COLUMN `next_physical_key_number`;