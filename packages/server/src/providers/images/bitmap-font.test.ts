import { describe, expect, it } from 'vitest';
import { drawText, fontCharacters, GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from './bitmap-font.js';

describe('the bitmap font', () => {
  it('has 7 rows of 5 columns of # and . in every glyph, and no two glyphs alike', () => {
    const seen = new Map<string, string>();
    for (const char of fontCharacters()) {
      const rows = glyph(char);
      expect(rows, char).toHaveLength(GLYPH_HEIGHT);
      for (const row of rows) expect(row, char).toMatch(new RegExp(`^[#.]{${GLYPH_WIDTH}}$`));
      const key = rows.join('');
      expect(seen.get(key), `${char} looks like ${seen.get(key)}`).toBeUndefined();
      seen.set(key, char);
    }
  });

  it('has every letter, digit and the caption’s characters', () => {
    for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -.:?') expect(fontCharacters()).toContain(char);
  });

  it('draws lower case as upper case and anything else as ?', () => {
    expect(glyph('a')).toEqual(glyph('A'));
    expect(glyph('é')).toEqual(glyph('?'));
    expect(glyph('😀')).toEqual(glyph('?'));
  });

  it.each([
    ['', 1, 0],
    ['A', 1, 5],
    ['AB', 1, 11],
    ['AB', 3, 33],
    ['NEXUS LOCAL TEST IMAGE', 1, 131],
  ])('measures %j at scale %i as %i pixels wide', (text, scale, width) => {
    expect(textWidth(text, scale)).toBe(width);
  });

  it('draws the glyph pixels, scaled, at the position given', () => {
    const width = 12;
    const height = 16;
    const rgb = new Uint8Array(width * height * 3);
    drawText(rgb, width, height, 'L', 1, 1, 2, [255, 0, 0]);
    const on = (x: number, y: number) => rgb[(y * width + x) * 3] === 255;
    // L: the left column on in all 7 rows, the bottom row on in all 5 columns; each font pixel 2×2.
    for (let row = 0; row < 7; row++)
      for (let col = 0; col < 5; col++) {
        const expected = col === 0 || row === 6;
        for (const [dx, dy] of [
          [0, 0],
          [1, 0],
          [0, 1],
          [1, 1],
        ])
          expect(on(1 + col * 2 + dx!, 1 + row * 2 + dy!), `${col},${row}`).toBe(expected);
      }
    expect(on(0, 0)).toBe(false);
    expect(rgb[(1 * width + 1) * 3 + 1]).toBe(0);
  });

  it('clips what falls outside the image', () => {
    const size = 6;
    const rgb = new Uint8Array(size * size * 3);
    // H at (-2, -2), scale 2: its columns 1–3 and rows 1–3 fall inside; of those only row 3 (the bar) is on.
    drawText(rgb, size, size, 'H', -2, -2, 2, [9, 9, 9]);
    expect(rgb.length).toBe(size * size * 3);
    const on: string[] = [];
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) if (rgb[(y * size + x) * 3] === 9) on.push(`${x},${y}`);
    expect(on).toEqual(['0,4', '1,4', '2,4', '3,4', '4,4', '5,4', '0,5', '1,5', '2,5', '3,5', '4,5', '5,5']);
  });
});
