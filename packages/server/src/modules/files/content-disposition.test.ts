import { describe, expect, it } from 'vitest';
import { cleanFilename, contentDisposition } from './content-disposition.js';

describe('contentDisposition', () => {
  it.each([
    ['report.pdf', `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`],
    [
      '季度 报告.pdf',
      `attachment; filename="__ __.pdf"; filename*=UTF-8''%E5%AD%A3%E5%BA%A6%20%E6%8A%A5%E5%91%8A.pdf`,
    ],
    [
      'a "quoted" \\ name.txt',
      `attachment; filename="a _quoted_ _ name.txt"; filename*=UTF-8''a%20%22quoted%22%20%5C%20name.txt`,
    ],
    ["it's (1)*.txt", `attachment; filename="it's (1)*.txt"; filename*=UTF-8''it%27s%20%281%29%2A.txt`],
    ['100%.txt', `attachment; filename="100_.txt"; filename*=UTF-8''100%25.txt`],
  ])('%j', (name, header) => {
    expect(contentDisposition(name)).toBe(header);
  });
});

describe('cleanFilename', () => {
  it.each([
    ['notes.txt', 'notes.txt'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\plan.txt', 'plan.txt'],
    ['  spaced.txt  ', 'spaced.txt'],
    ['tab\there\u0000.txt', 'tabhere.txt'],
    ['dir/', ''],
    ['..', ''],
    ['cafe\u0301.txt', 'café.txt'],
    [`${'a'.repeat(300)}.pdf`, `${'a'.repeat(251)}.pdf`],
  ])('%j → %j', (raw, clean) => {
    expect(cleanFilename(raw)).toBe(clean);
  });
});
