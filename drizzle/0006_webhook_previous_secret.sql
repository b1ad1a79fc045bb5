-- Secret rotation without a gap: the replaced secret and until when (epoch ms) deliveries are still signed with it.
ALTER TABLE `webhooks` ADD `previous_secret` text;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `previous_secret_expires_at` integer;