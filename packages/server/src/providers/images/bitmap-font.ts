/**
 * A 5×7 bitmap font (upper-case Latin letters, digits, a little punctuation) for labelling the offline
 * provider's test images without a font file or a canvas library. Lower case is drawn as upper case;
 * anything else as `?`.
 */

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Columns between glyphs. */
export const GLYPH_SPACING = 1;

/** Each glyph: seven rows of five columns, `#` on. */
const GLYPHS: Readonly<Record<string, string>> = {
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '####. #...# #...# #...# #...# #...# ####.',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '-': '..... ..... ..... ##### ..... ..... .....',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
};

const ROWS: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries(GLYPHS).map(([char, rows]) => [char, rows.split(' ')]),
);

/** The rows of `char`'s glyph (`#` on, `.` off). */
export function glyph(char: string): readonly string[] {
  return ROWS.get(char.toUpperCase()) ?? ROWS.get('?')!;
}

/** The characters the font has a glyph of. */
export function fontCharacters(): string[] {
  return [...ROWS.keys()];
}

/** Width in pixels of `text` drawn at `scale`. */
export function textWidth(text: string, scale: number): number {
  const chars = [...text].length;
  return chars === 0 ? 0 : (chars * (GLYPH_WIDTH + GLYPH_SPACING) - GLYPH_SPACING) * scale;
}

/**
 * Draws `text` into an RGB image (3 bytes a pixel, rows top to bottom) with its top-left corner at
 * (`x`, `y`), each font pixel a `scale` × `scale` square; whatever falls outside the image is clipped.
 * @example drawText(rgb, 256, 256, 'HELLO', 10, 10, 2, [255, 255, 255]);
 */
export function drawText(
  rgb: Uint8Array,
  width: number,
  height: number,
  text: string,
  x: number,
  y: number,
  scale: number,
  color: readonly [number, number, number],
): void {
  let left = x;
  for (const char of text) {
    const rows = glyph(char);
    for (let row = 0; row < GLYPH_HEIGHT; row++)
      for (let col = 0; col < GLYPH_WIDTH; col++)
        if (rows[row]![col] === '#')
          fillSquare(rgb, width, height, left + col * scale, y + row * scale, scale, color);
    left += (GLYPH_WIDTH + GLYPH_SPACING) * scale;
  }
}

function fillSquare(
  rgb: Uint8Array,
  width: number,
  height: number,
  x: number,
  y: number,
  size: number,
  color: readonly [number, number, number],
): void {
  for (let py = Math.max(0, y); py < Math.min(height, y + size); py++)
    for (let px = Math.max(0, x); px < Math.min(width, x + size); px++) {
      const at = (py * width + px) * 3;
      rgb[at] = color[0];
      rgb[at + 1] = color[1];
      rgb[at + 2] = color[2];
    }
}
