CREATE TABLE `entity_states` (
	`stream_id` text NOT NULL,
	`entity_id` text NOT NULL,
	`state` text NOT NULL,
	PRIMARY KEY(`stream_id`, `entity_id`)
);
