// A minimal Atlassian Document Format builder: Jira Cloud REST v3 takes rich text (descriptions,
// comments) only as ADF. We use doc, paragraph, heading, codeBlock, text (with strong/link marks) and
// hardBreak. ADF forbids empty text nodes, so blank lines become paragraph breaks, never "" text.

export interface AdfMark {
  type: 'strong' | 'link';
  attrs?: { href: string };
}
export interface AdfText {
  type: 'text';
  text: string;
  marks?: AdfMark[];
}
export interface AdfHardBreak {
  type: 'hardBreak';
}
export type AdfInline = AdfText | AdfHardBreak;
export interface AdfParagraph {
  type: 'paragraph';
  content: AdfInline[];
}
export interface AdfHeading {
  type: 'heading';
  attrs: { level: 1 | 2 | 3 | 4 | 5 | 6 };
  content: AdfText[];
}
export interface AdfCodeBlock {
  type: 'codeBlock';
  attrs: { language: string };
  content: AdfText[];
}
export type AdfBlock = AdfParagraph | AdfHeading | AdfCodeBlock;
export interface AdfDoc {
  version: 1;
  type: 'doc';
  content: AdfBlock[];
}

export function doc(blocks: AdfBlock[]): AdfDoc {
  return { version: 1, type: 'doc', content: blocks };
}

export function text(value: string, marks?: AdfMark[]): AdfText[] {
  if (value === '') return [];
  return [marks && marks.length > 0 ? { type: 'text', text: value, marks } : { type: 'text', text: value }];
}

/** Lines inside one paragraph are joined with hardBreaks; empty lines are dropped. */
export function paragraph(value: string, prefix?: AdfInline[]): AdfParagraph {
  const inline: AdfInline[] = [...(prefix ?? [])];
  for (const line of value.split('\n')) {
    if (line === '') continue;
    if (inline.length > 0) inline.push({ type: 'hardBreak' });
    inline.push(...text(line));
  }
  return { type: 'paragraph', content: inline };
}

/** Plain text to paragraphs: a blank line separates paragraphs, as in Markdown. */
export function paragraphs(value: string): AdfParagraph[] {
  return value
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .filter((p) => p.trim() !== '')
    .map((p) => paragraph(p));
}

export function heading(value: string, level: 1 | 2 | 3 | 4 | 5 | 6 = 3): AdfHeading {
  return { type: 'heading', attrs: { level }, content: text(value) };
}

export function codeBlock(value: string, language = 'json'): AdfCodeBlock {
  return { type: 'codeBlock', attrs: { language }, content: text(value) };
}

export function link(label: string, href: string): AdfText[] {
  return text(label, [{ type: 'link', attrs: { href } }]);
}
