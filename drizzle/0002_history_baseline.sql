-- Hand-written data migration (drizzle-kit generate --custom): history starts now. A doc
-- compacted before history was kept gets its checkpoint as a baseline row, so "as of T" works
-- from the checkpoint's time on and is reported unknown before it. Private docs keep no history.
INSERT INTO "room_history" ("room_id", "data", "author_id", "first_at", "last_at", "updates", "baseline")
SELECT "room_id", "state", NULL, "updated_at", "updated_at", "compacted_updates", true
FROM "room_checkpoints"
WHERE "room_id" NOT LIKE '%~private~%' AND "compacted_updates" > 0;
