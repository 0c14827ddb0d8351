import { describe, expect, it } from 'vitest';
import { showControlCharacters } from '../../src/text/safe-text.js';

describe('showControlCharacters', () => {
  it('makes terminal escapes, DEL, C1 controls and bidi overrides visible, naming the code point', () => {
    expect(showControlCharacters('\u001b[31mred\u007f\u009b\u202egnp.txt')).toBe('␛[31mred␡[U+009B][U+202E]gnp.txt');
  });

  it('shows zero-width, invisible and tag characters, so a key cannot pass for another', () => {
    expect(showControlCharacters('reports/q3\u200b-forecast.parquet')).toBe('reports/q3[U+200B]-forecast.parquet');
    expect(showControlCharacters('a\u061cb\u2060c\ufeffd\u2028e\u{e0041}')).toBe(
      'a[U+061C]b[U+2060]c[U+FEFF]d[U+2028]e[U+E0041]',
    );
  });

  it('keeps emoji and their variation selectors (s3x writes ⚠️)', () => {
    expect(showControlCharacters('⚠️ 🗑️')).toBe('⚠️ 🗑️');
  });
});
