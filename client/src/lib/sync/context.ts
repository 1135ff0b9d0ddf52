/** The open room's connection, shared with everything the room page renders. */
import { createContext } from 'svelte';
import type { RoomConnection } from './RoomConnection.svelte.ts';

export const [getRoomConnection, setRoomConnection] = createContext<RoomConnection>();
