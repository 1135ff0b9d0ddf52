ALTER TABLE "chat_messages" DROP CONSTRAINT "chat_messages_room_id_rooms_id_fk";
--> statement-breakpoint
ALTER TABLE "chat_messages" DROP CONSTRAINT "chat_messages_author_id_users_id_fk";
