CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"tenant_id" text,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	"last_used_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "grants" (
	"principal_id" text NOT NULL,
	"tenant_key" text NOT NULL,
	"grant_id" text NOT NULL,
	"permission" text NOT NULL,
	"effect" text NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "grants_pk" PRIMARY KEY("principal_id","tenant_key","grant_id"),
	CONSTRAINT "grants_effect_check" CHECK (effect in ('allow', 'deny'))
);
--> statement-breakpoint
CREATE TABLE "memberships" (
	"principal_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "memberships_pk" PRIMARY KEY("principal_id","tenant_id")
);
--> statement-breakpoint
CREATE TABLE "role_assignments" (
	"principal_id" text NOT NULL,
	"tenant_key" text NOT NULL,
	"role_id" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "role_assignments_pk" PRIMARY KEY("principal_id","tenant_key","role_id")
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "tenant_id" text;--> statement-breakpoint
-- Edited after generation: drizzle-kit qualified these references with the public schema. Unqualified,
-- they follow search_path like every other name in this file, so the tables can live in any schema.
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_principal_id_users_id_fk" FOREIGN KEY ("principal_id") REFERENCES "users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_principal_id_users_id_fk" FOREIGN KEY ("principal_id") REFERENCES "users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_assignments" ADD CONSTRAINT "role_assignments_principal_id_users_id_fk" FOREIGN KEY ("principal_id") REFERENCES "users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_owner_id_idx" ON "api_keys" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE INDEX "memberships_tenant_id_idx" ON "memberships" USING btree ("tenant_id");