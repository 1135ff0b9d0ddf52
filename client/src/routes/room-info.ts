/** Pure helpers about a room as the REST API returns it. */
import type { Member, Role, Room } from '@menteo/protocol';

/** The other member of a 1:1 room, if they have joined. */
export function partnerOf(room: Room): Member | null {
  return room.members.find((m) => m.role !== room.myRole) ?? null;
}

export function partnerRole(role: Role): Role {
  return role === 'mentor' ? 'mentee' : 'mentor';
}

/** "with Ada Lovelace", or the waiting line when the mentee has not joined yet. */
export function partnerLine(room: Room): string {
  const partner = partnerOf(room);
  if (partner) return `with ${partner.displayName}`;
  return room.myRole === 'mentor' ? 'Waiting for your mentee' : 'Your mentor has left this room';
}

export function roleLabel(role: Role): string {
  return role === 'mentor' ? 'Mentor' : 'Mentee';
}
