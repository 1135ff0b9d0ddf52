ALTER TABLE "meetings" ADD COLUMN "snapshot_base" uuid;--> statement-breakpoint
ALTER TABLE "meetings" ADD COLUMN "snapshot_chain_bytes" integer;--> statement-breakpoint
ALTER TABLE "meetings" ADD COLUMN "snapshot_root_bytes" integer;--> statement-breakpoint
ALTER TABLE "meetings" ADD COLUMN "end_version" "bytea";--> statement-breakpoint
ALTER TABLE "meetings" DROP COLUMN "start_state";