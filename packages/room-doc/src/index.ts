import type { Role } from '@menteo/protocol';

/** Who is acting in the room (passed to every room component). */
export interface Actor {
  userId: string;
  displayName: string;
  role: Role;
}
