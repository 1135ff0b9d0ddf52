CREATE TABLE "room_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"room_id" text NOT NULL,
	"data" "bytea" NOT NULL,
	"author_id" uuid,
	"first_at" timestamp with time zone NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	"updates" integer DEFAULT 1 NOT NULL,
	"baseline" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX "room_history_room_time_idx" ON "room_history" USING btree ("room_id","last_at");