import ical from 'ical-generator';

/** The next meeting as an iCalendar file: one hour from `start`, linking back to the room. */
export function nextMeetingIcs(input: { roomId: string; roomTitle: string; start: Date; url: string | null }): string {
  const cal = ical({ name: `Menteo: ${input.roomTitle}`, prodId: { company: 'Menteo', product: 'Rooms' } });
  cal.createEvent({
    // Stable per room and date: importing the file again updates the event instead of adding one.
    id: `${input.roomId}-${input.start.toISOString()}@menteo-rooms`,
    start: input.start,
    end: new Date(input.start.getTime() + 60 * 60_000),
    summary: `Mentorship meeting: ${input.roomTitle}`,
    description: input.url ? `Open the room: ${input.url}` : undefined,
    url: input.url ?? undefined,
  });
  return cal.toString();
}
