import PDFDocument from 'pdfkit';
import type { Block, Span } from '@menteo/room-doc';

/*
 * The PDF report: the same blocks the Markdown export renders (room-doc report.ts), written
 * with pdfkit's standard fonts, so the text is real text (selectable, searchable, read back by
 * pdftotext in the tests). The standard fonts cover WinAnsi only: characters outside it are
 * replaced rather than printed as garbage.
 */

const SIZES: Record<1 | 2 | 3 | 4, number> = { 1: 20, 2: 15, 3: 12.5, 4: 11.5 };

/** WinAnsi, which the 14 standard PDF fonts encode; anything else becomes '?'. */
function printable(text: string): string {
  return text
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\u2026/g, '...')
    .replace(/\u2192/g, '->')
    .replace(/\u00b7/g, '-')
    .replace(/[^\t\n\r\u0020-\u007e\u00a0-\u00ff]/g, '?');
}

function font(s: Span): string {
  if (s.code) return 'Courier';
  if (s.bold && s.italic) return 'Helvetica-BoldOblique';
  if (s.bold) return 'Helvetica-Bold';
  if (s.italic) return 'Helvetica-Oblique';
  return 'Helvetica';
}

function writeSpans(pdf: PDFKit.PDFDocument, spans: readonly Span[], options: PDFKit.Mixins.TextOptions): void {
  const parts = spans.filter((s) => s.text !== '');
  if (parts.length === 0) {
    pdf.font('Helvetica').text(' ', options);
    return;
  }
  parts.forEach((s, i) => {
    pdf.font(font(s)).text(printable(s.text), { ...options, continued: i < parts.length - 1, strike: s.strike === true, ...(s.link ? { link: s.link } : {}) });
  });
}

/** Renders report blocks as a PDF; resolves with its bytes. */
export function renderPdf(blocks: readonly Block[], meta: { title: string }): Promise<Buffer> {
  const pdf = new PDFDocument({ size: 'A4', margin: 56, info: { Title: printable(meta.title), Producer: 'Menteo Rooms' } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (c: Buffer) => chunks.push(c));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  const left = pdf.page.margins.left;
  for (const b of blocks) {
    switch (b.type) {
      case 'heading':
        pdf.moveDown(b.level <= 2 ? 0.8 : 0.5);
        pdf.font('Helvetica-Bold').fontSize(SIZES[b.level]).text(printable(b.text), left);
        pdf.fontSize(10.5).moveDown(0.2);
        break;
      case 'paragraph':
        pdf.fontSize(10.5);
        writeSpans(pdf, b.spans, { paragraphGap: 4 });
        break;
      case 'item': {
        const marker = b.checked === undefined ? (b.ordered ? `${b.index}.` : '-') : b.checked ? '[x]' : '[ ]';
        pdf.fontSize(10.5);
        pdf.x = left + 8 + b.depth * 16;
        writeSpans(pdf, [{ text: `${marker} ` }, ...b.spans], { paragraphGap: 2 });
        pdf.x = left;
        break;
      }
      case 'quote':
        pdf.fontSize(10.5).fillColor('#555555');
        writeSpans(pdf, b.spans, { indent: 16, paragraphGap: 4 });
        pdf.fillColor('black');
        break;
      case 'code':
        pdf.font('Courier').fontSize(9.5).text(printable(b.text), { paragraphGap: 4 });
        pdf.fontSize(10.5);
        break;
      case 'rule':
        pdf.moveDown(0.3).moveTo(left, pdf.y).lineTo(pdf.page.width - pdf.page.margins.right, pdf.y).stroke().moveDown(0.3);
        break;
      default: {
        const never: never = b;
        throw new Error(`unknown block ${JSON.stringify(never)}`);
      }
    }
  }
  pdf.end();
  return done;
}
