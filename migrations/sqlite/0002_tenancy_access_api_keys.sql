CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`tenant_id` text,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`secret_hash` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`revoked_at` integer,
	`last_used_at` integer,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `api_keys_owner_id_idx` ON `api_keys` (`owner_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `grants` (
	`principal_id` text NOT NULL,
	`tenant_key` text NOT NULL,
	`grant_id` text NOT NULL,
	`permission` text NOT NULL,
	`effect` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`principal_id`, `tenant_key`, `grant_id`),
	FOREIGN KEY (`principal_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "grants_effect_check" CHECK(effect in ('allow', 'deny'))
);
--> statement-breakpoint
CREATE TABLE `memberships` (
	`principal_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`principal_id`, `tenant_id`),
	FOREIGN KEY (`principal_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `memberships_tenant_id_idx` ON `memberships` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `role_assignments` (
	`principal_id` text NOT NULL,
	`tenant_key` text NOT NULL,
	`role_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`principal_id`, `tenant_key`, `role_id`),
	FOREIGN KEY (`principal_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `sessions` ADD `tenant_id` text;