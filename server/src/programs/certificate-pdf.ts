import PDFDocument from 'pdfkit';
import type { CertificateView } from '@menteo/db';

const longDate = (iso: string): string =>
  new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/**
 * The certificate as a one-page A4 landscape PDF: what the public page shows (names, program,
 * dates, milestones done) and the verification URL. pdfkit's built-in Helvetica only, so no
 * font files are needed; names outside Latin-1 print as pdfkit substitutes them.
 */
export function renderCertificatePdf(cert: CertificateView, verifyUrl: string): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 56,
    info: { Title: `Certificate of completion: ${cert.programName}`, Author: 'Menteo Rooms', Subject: cert.holderName },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const { width, height } = doc.page;
  doc.lineWidth(3).strokeColor('#2f5d50').rect(28, 28, width - 56, height - 56).stroke();
  doc.lineWidth(1).rect(36, 36, width - 72, height - 72).stroke();
  const line = (text: string, size: number, font = 'Helvetica', gap = 12, color = '#1d2b27') => {
    doc.font(font).fontSize(size).fillColor(color).text(text, { align: 'center' });
    doc.moveDown(gap / size);
  };
  doc.y = 110;
  line('MENTEO ROOMS', 12, 'Helvetica-Bold', 20, '#2f5d50');
  line('Certificate of completion', 34, 'Helvetica-Bold', 30);
  line('This certifies that', 14, 'Helvetica', 10, '#55635f');
  line(cert.holderName, 30, 'Helvetica-Bold', 16);
  line(
    `completed the mentorship program "${cert.programName}" as ${cert.role}${cert.partnerName ? `, with ${cert.partnerName}` : ''},`,
    15,
  );
  line(`${longDate(cert.startDate)} to ${longDate(cert.endDate)}, meeting ${cert.milestonesDone} of ${cert.milestonesTotal} program milestones.`, 15, 'Helvetica', 36);
  line(`Issued ${longDate(cert.issuedAt.toISOString())}`, 12, 'Helvetica', 8, '#55635f');
  line(`Verify this certificate: ${verifyUrl}`, 10, 'Helvetica', 4, '#55635f');
  line(`Certificate id ${cert.id}`, 9, 'Courier', 4, '#55635f');
  doc.end();
  return done;
}
