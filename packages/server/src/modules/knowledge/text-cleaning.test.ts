import { describe, expect, it } from 'vitest';
import {
  cleanBlockText,
  cleanInput,
  collapseWhitespace,
  joinLines,
  normalizeCompatibility,
  repairMojibake,
} from './text-cleaning.js';

describe('text cleaning', () => {
  it.each([
    ['CRLF, CR, form feed and separators become \\n', 'a\r\nb\rc\fd\u2028e', 'a\nb\nc\nd\ne'],
    [
      'control characters and BOMs are dropped, tabs and newlines kept',
      '\ufeffa\u0000b\u0007c\td\n\u009fe',
      'abc\td\ne',
    ],
    ['a lone surrogate becomes U+FFFD, a pair is kept', 'x\ud800y😀', 'x\ufffdy😀'],
    ['mojibake is repaired before controls are dropped', 'Itâ\u0080\u0099s', 'It’s'],
  ])('cleanInput: %s', (_, input, output) => {
    expect(cleanInput(input)).toBe(output);
  });

  it.each([
    ['Latin-1 mojibake', 'Itâ\u0080\u0099s 20Â°C', 'It’s 20°C'],
    ['Windows-1252 mojibake', 'â€œquotedâ€\u009d cafÃ©', '“quoted” café'],
    ['four-byte sequences', 'ðŸ˜€', '😀'],
    [
      'real accented text is left alone',
      'Ça va? Élan, résumé, naïve «Âge»',
      'Ça va? Élan, résumé, naïve «Âge»',
    ],
    ['an invalid sequence is left alone (past U+10FFFF)', 'ô\u0090\u0080\u0080', 'ô\u0090\u0080\u0080'],
  ])('repairMojibake: %s', (_, input, output) => {
    expect(repairMojibake(input)).toBe(output);
  });

  it('NFKC except full-width punctuation and the ellipsis', () => {
    expect(normalizeCompatibility('ＡＢＣ１２３ ﬁ ①，。！？：；（）……\u00a0x\u3000y')).toBe(
      'ABC123 fi 1，。！？：；（）…… x y',
    );
  });

  it('collapses whitespace, and line breaks between CJK characters to nothing', () => {
    expect(collapseWhitespace('  a \n\t b  ')).toBe(' a b ');
    expect(collapseWhitespace('机器\n  学习 and 中文 text')).toBe('机器学习 and 中文 text');
  });

  it('joins visual lines', () => {
    expect(joinLines(['The quick', ' brown fox', '', 'jumps'])).toBe('The quick brown fox jumps');
    expect(joinLines(['机器学习是人工', '智能的分支', 'GPT'])).toBe('机器学习是人工智能的分支GPT');
    expect(joinLines(['well-', 'known'])).toBe('well-known');
    expect(joinLines([])).toBe('');
  });

  it('cleans a block by kind', () => {
    expect(cleanBlockText('  a   b \n\n  c\t d  ', 'paragraph')).toBe('a b\nc d');
    expect(cleanBlockText(' Title \n more ', 'heading')).toBe('Title more');
    expect(cleanBlockText('\n\n  indented\tcode  \n\n    more\n\n', 'code')).toBe(
      '  indented\tcode\n\n    more',
    );
    expect(cleanBlockText(' \n \t ', 'list')).toBe('');
  });
});
