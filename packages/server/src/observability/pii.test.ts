import { describe, expect, it } from 'vitest';
import {
  detectPii,
  isValidBankCard,
  isValidChineseId,
  maskPii,
  maskPiiDeep,
  maskPiiInJson,
  type PiiKind,
  PiiVault,
} from './pii.js';

/** Appends the ISO 7064 MOD 11-2 check character (computed here independently of the code under test). */
function withCheck(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}

/** The single match in `text`, as [kind, value]. */
function only(text: string): [PiiKind, string] {
  const matches = detectPii(text);
  expect(matches, text).toHaveLength(1);
  const [m] = matches;
  expect(text.slice(m!.start, m!.end)).toBe(m!.value);
  return [m!.kind, m!.value];
}

describe('detectPii: true positives', () => {
  it.each<[string, PiiKind, string]>([
    // phones
    ['13812345678', 'phone', '13812345678'],
    ['call 138-1234-5678 now', 'phone', '138-1234-5678'],
    ['call 138 1234 5678.', 'phone', '138 1234 5678'],
    ['+86 138 1234 5678', 'phone', '+86 138 1234 5678'],
    ['tel +8613912345678', 'phone', '+8613912345678'],
    ['0086-15912345678', 'phone', '0086-15912345678'],
    ['8618612345678', 'phone', '8618612345678'],
    ['手机号13812345678，谢谢', 'phone', '13812345678'],
    ['tel:19912345678', 'phone', '19912345678'],
    ['phone=17012345678&x=1', 'phone', '17012345678'],
    // resident IDs
    ['11010519491231002X', 'id_card', '11010519491231002X'],
    ['id 11010519491231002x.', 'id_card', '11010519491231002x'],
    ['身份证号：440306199001011236。', 'id_card', '440306199001011236'],
    ['born on a leap day: 320106200002294562', 'id_card', '320106200002294562'],
    ['510107198511307896', 'id_card', '510107198511307896'],
    ['legacy 110105491231002', 'id_card', '110105491231002'],
    // bank cards
    ['4111111111111111', 'bank_card', '4111111111111111'],
    ['card 4111 1111 1111 1111 expires', 'bank_card', '4111 1111 1111 1111'],
    ['4111-1111-1111-1111', 'bank_card', '4111-1111-1111-1111'],
    ['4111111111119', 'bank_card', '4111111111119'],
    ['mc 5555555555554444', 'bank_card', '5555555555554444'],
    ['mc 2223003122003222', 'bank_card', '2223003122003222'],
    ['amex 378282246310005', 'bank_card', '378282246310005'],
    ['amex 3782 822463 10005', 'bank_card', '3782 822463 10005'],
    ['discover 6011111111111117', 'bank_card', '6011111111111117'],
    ['jcb 3530111333300000', 'bank_card', '3530111333300000'],
    ['diners 30569309025904', 'bank_card', '30569309025904'],
    ['银行卡6222021234567890128', 'bank_card', '6222021234567890128'],
    ['6222 0212 3456 7890 128', 'bank_card', '6222 0212 3456 7890 128'],
    ['622202123456789012', 'bank_card', '622202123456789012'],
    // emails
    ['ada@example.com', 'email', 'ada@example.com'],
    ['mail Ada.Lovelace+nexus@mail.example.co.uk.', 'email', 'Ada.Lovelace+nexus@mail.example.co.uk'],
    ['<user_name%x@sub-domain.example.org>', 'email', 'user_name%x@sub-domain.example.org'],
    ['13812345678@qq.com', 'email', '13812345678@qq.com'],
    ['联系邮箱：zhang.san@163.com，谢谢', 'email', 'zhang.san@163.com'],
    // IPv4
    ['10.0.0.1', 'ip', '10.0.0.1'],
    ['from 192.168.1.254:8080', 'ip', '192.168.1.254'],
    ['255.255.255.255', 'ip', '255.255.255.255'],
    ['client ip=8.8.8.8.', 'ip', '8.8.8.8'],
    ['ip:203.0.113.7', 'ip', '203.0.113.7'],
    // IPv6
    ['2001:db8::1', 'ip', '2001:db8::1'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', 'ip', '2001:0db8:85a3:0000:0000:8a2e:0370:7334'],
    ['addr fe80::1ff:fe23:4567:890a.', 'ip', 'fe80::1ff:fe23:4567:890a'],
    ['mapped ::ffff:192.0.2.128', 'ip', '::ffff:192.0.2.128'],
    ['[2001:db8::1]:443', 'ip', '2001:db8::1'],
  ])('finds in %j a %s: %s', (text, kind, value) => {
    expect(only(text)).toEqual([kind, value]);
  });
});

describe('detectPii: false positives', () => {
  it.each([
    // phones
    ['12345678901'], // second digit 2
    ['11812345678'], // second digit 1
    ['138123456789'], // 12 digits
    ['213812345678'], // inside a longer digit run
    ['order 2023113812345678'],
    ['user13812345678'], // glued to letters
    ['id_13812345678'],
    ['3.13812345678'], // a decimal
    ['13812345678.25'],
    ['138 1234 567'],
    // resident IDs
    ['110105194912310021'], // wrong check digit
    [withCheck('11010519490230002')], // 30 February
    [withCheck('11010520991231002')], // born in the future
    [withCheck('99010519491231002')], // no such province
    [withCheck('11010518001231002')], // born before 1880
    ['111010519491231002X'], // inside a longer run
    ['abc11010519491231002X'],
    ['110105491331002'], // legacy ID with month 13
    // bank cards
    ['4111111111111112'], // Luhn fails
    ['1234567812345670'], // Luhn-valid, no known issuer
    ['41111111111111111'], // Visa has no 17-digit cards
    ['card4111111111111111'],
    ['4111111111111111.5'],
    ['9999 9999 9999 9995'],
    // emails
    ['ada@localhost'],
    ['a@b.c'],
    ['@example.com'],
    ['ada@'],
    ['ada@-example.com'],
    ['ada@example.123'],
    ['price @ 5.00'],
    ['..@example.com'],
    // IPv4
    ['256.1.1.1'],
    ['1.2.3.4.5'], // version string
    ['v1.2.3.4'],
    ['01.02.03.04'],
    ['1.2.3'],
    ['2023.11.25'],
    ['3.14159'],
    ['1.2.3.4567'],
    // IPv6 and times
    ['12:30:45'],
    ['at 12:30:45.123'],
    ['2026-11-25T21:46:26.123Z'],
    ['00:1a:2b:3c:4d:5e'], // MAC address
    ['std::vector<int>'],
    ['a:b'],
    ['1:2:3'],
    ['::'],
    // Loopback and unspecified addresses identify no one (they were masked before, which turned the
    // start-up line into "listening at http://[IP]:8080"); ::1 moved here from the true positives.
    ['loopback ::1'],
    ['listening at http://[::1]:8080'],
    ['listening at http://127.0.0.1:8080'],
    ['127.255.0.9'],
    ['bound to 0.0.0.0:8080'],
    ['bound to [::]:8080'],
    // everyday numbers and identifiers
    ['550e8400-e29b-41d4-a716-446655440000'], // UUID
    ['2026-11-25 21:46:26'],
    ['price ¥1380.00, was $12,345,678.90'],
    ['version 10.2.13'],
    ['ORD20231125138123456'],
    ['sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
    ['usr_01HZX3K9M2N4P6Q8R0S2T4V6W8'],
    ['epoch ms 1732567890123'],
    ['took 1234567 ms, 42 tokens'],
    ['no digits, no at sign, no colon'],
    [''],
  ])('finds nothing in %j', (text) => {
    expect(detectPii(text)).toEqual([]);
  });
});

describe('detectPii: overlaps and options', () => {
  it('prefers the resident ID over a bank card with the same digits', () => {
    const id = '620102197003150019'; // Gansu (62), also starts like a UnionPay card
    expect(isValidChineseId(id)).toBe(true);
    expect(only(`id ${id}`)).toEqual(['id_card', id]);
  });

  it('prefers the longer match: an email around a phone, an IPv6 around an IPv4', () => {
    expect(only('13812345678@qq.com')[0]).toBe('email');
    expect(only('::ffff:10.0.0.1')).toEqual(['ip', '::ffff:10.0.0.1']);
  });

  it('finds several matches in order with their offsets', () => {
    const text = 'call 13812345678, mail ada@example.com, from 10.0.0.7';
    expect(detectPii(text).map((m) => [m.kind, m.start, m.end])).toEqual([
      ['phone', 5, 16],
      ['email', 23, 38],
      ['ip', 45, 53],
    ]);
  });

  it('looks only for the kinds asked for', () => {
    const text = 'call 13812345678, mail ada@example.com';
    expect(detectPii(text, { kinds: ['email'] }).map((m) => m.kind)).toEqual(['email']);
    expect(maskPii(text, { kinds: ['phone'] })).toBe('call [PHONE], mail ada@example.com');
  });

  it.each([
    ['11010519491231002X', true],
    ['11010519491231002x', true],
    ['110105194912310021', false],
    ['110105491231002', true],
    ['1101054912310', false],
  ])('isValidChineseId(%s) is %s', (id, valid) => {
    expect(isValidChineseId(id)).toBe(valid);
  });

  it.each([
    ['4111 1111 1111 1111', true],
    ['6222021234567890128', true],
    ['6222021234567890127', false],
    ['4111111111', false],
  ])('isValidBankCard(%s) is %s', (card, valid) => {
    expect(isValidBankCard(card)).toBe(valid);
  });

  it('stays linear on long hostile inputs', () => {
    // Long digit, letter, dot, colon and `@` runs: each would be quadratic with a naive pattern.
    const text = [
      '1'.repeat(50_000),
      'a'.repeat(50_000),
      '1.'.repeat(20_000),
      'a:'.repeat(20_000),
      'a@'.repeat(20_000),
      `${'a.'.repeat(20_000)}@`,
    ].join(' ');
    expect(detectPii(text)).toEqual([]);
  });
});

describe('maskPii', () => {
  it.each([
    ['call 138-1234-5678 or mail ada@example.com from 10.0.0.7', 'call [PHONE] or mail [EMAIL] from [IP]'],
    ['id 11010519491231002X, card 4111 1111 1111 1111', 'id [ID_CARD], card [BANK_CARD]'],
    ['手机13812345678，邮箱 zhang.san@163.com', '手机[PHONE]，邮箱 [EMAIL]'],
    ['client 2001:db8::1 and ::ffff:192.0.2.128', 'client [IP] and [IP]'],
    ['nothing to see at 12:30:45', 'nothing to see at 12:30:45'],
  ])('masks %j', (text, masked) => {
    expect(maskPii(text)).toBe(masked);
  });
});

describe('maskPiiDeep', () => {
  it('masks strings at any depth, keeps keys and other values, and does not modify the input', () => {
    const input = {
      note: 'call 13812345678',
      count: 3,
      ok: true,
      nested: { users: [{ email: 'ada@example.com' }, 'from 10.0.0.1'], plain: 'no pii' },
    };
    const before = structuredClone(input);
    expect(maskPiiDeep(input)).toEqual({
      note: 'call [PHONE]',
      count: 3,
      ok: true,
      nested: { users: [{ email: '[EMAIL]' }, 'from [IP]'], plain: 'no pii' },
    });
    expect(input).toEqual(before);
  });

  it('returns the very same object when there is nothing to mask', () => {
    const input = { a: { b: ['x', 1] } };
    expect(maskPiiDeep(input)).toBe(input);
  });

  it('stops at the depth and string bounds', () => {
    const deep = { a: { b: { c: 'ada@example.com' } } };
    expect(maskPiiDeep(deep, { maxDepth: 2 })).toEqual(deep);
    expect(maskPiiDeep(['ada@example.com', 'bob@example.com'], { maxStrings: 1 })).toEqual([
      '[EMAIL]',
      'bob@example.com',
    ]);
  });

  it('leaves class instances alone', () => {
    const date = new Date(0);
    expect(maskPiiDeep({ date }).date).toBe(date);
  });
});

describe('maskPiiInJson', () => {
  it.each([
    ['{"a":"call 13812345678"}', '{"a":"call [PHONE]"}'],
    ['{"n":13812345678}', '{"n":"[PHONE]"}'],
    ['{"n":-13812345678,"m":[4111111111111111]}', '{"n":"[PHONE]","m":["[BANK_CARD]"]}'],
    ['{"a":"line\\n13812345678"}', '{"a":"line\\n[PHONE]"}'],
    ['{"a":"say \\"ada@example.com\\""}', '{"a":"say \\"[EMAIL]\\""}'],
    [
      '{"req":{"remoteAddress":"203.0.113.7","host":"localhost:8080"}}',
      '{"req":{"remoteAddress":"[IP]","host":"localhost:8080"}}',
    ],
    ['{"time":"2026-11-25T21:46:26.123Z","pid":4242,"rt":15.613929000000041}\n', null],
  ])('masks %s', (json, expected) => {
    const masked = maskPiiInJson(json);
    if (expected === null) expect(masked).toBe(json);
    else expect(masked).toBe(expected);
    expect(() => JSON.parse(masked)).not.toThrow();
  });
});

describe('PiiVault', () => {
  it('replaces values with placeholders, the same value with the same placeholder, and restores them', () => {
    const vault = new PiiVault();
    const text = 'Mail ada@example.com and bob@example.com, then ada@example.com again; call 13812345678.';
    const masked = vault.mask(text);
    expect(masked).toBe(
      'Mail ⟦PII_EMAIL_1⟧ and ⟦PII_EMAIL_2⟧, then ⟦PII_EMAIL_1⟧ again; call ⟦PII_PHONE_1⟧.',
    );
    expect(vault.size).toBe(3);
    expect(vault.restore(masked)).toBe(text);
    // Placeholders stay stable across calls on the same vault.
    expect(vault.mask('cc bob@example.com')).toBe('cc ⟦PII_EMAIL_2⟧');
  });

  it('keeps placeholders it does not know, and text without placeholders', () => {
    const vault = new PiiVault();
    vault.mask('ada@example.com');
    expect(vault.restore('⟦PII_EMAIL_1⟧ and ⟦PII_EMAIL_9⟧ and ⟦other⟧')).toBe(
      'ada@example.com and ⟦PII_EMAIL_9⟧ and ⟦other⟧',
    );
    expect(vault.restore('plain')).toBe('plain');
  });

  it('masks only the kinds it was given', () => {
    const vault = new PiiVault({ kinds: ['phone'] });
    expect(vault.mask('13812345678 ada@example.com')).toBe('⟦PII_PHONE_1⟧ ada@example.com');
  });

  const reply = 'Done: wrote to ⟦PII_EMAIL_1⟧ (⟦PII_PHONE_1⟧), card ⟦PII_BANK_CARD_1⟧, ⟦PII_ID_CARD_1⟧.';
  const vault = new PiiVault();
  vault.mask('ada@example.com 13812345678 4111111111111111 11010519491231002X');
  const expected = 'Done: wrote to ada@example.com (13812345678), card 4111111111111111, 11010519491231002X.';

  function streamed(deltas: string[]): { out: string; chunks: string[] } {
    const stream = vault.restoreStream();
    const chunks = deltas.map((d) => stream.push(d));
    chunks.push(stream.flush());
    return { out: chunks.join(''), chunks };
  }

  it('restores a streamed reply split at every position', () => {
    for (let i = 0; i <= reply.length; i++) {
      const { out, chunks } = streamed([reply.slice(0, i), reply.slice(i)]);
      expect(out, `split at ${i}`).toBe(expected);
      // No chunk ever shows a piece of a placeholder.
      for (const chunk of chunks) expect(chunk).not.toMatch(/⟦|⟧/);
    }
  });

  it('restores a streamed reply sent one character at a time', () => {
    expect(streamed([...reply]).out).toBe(expected);
  });

  it('releases held text that does not become a placeholder, and an unfinished one at the end', () => {
    expect(streamed(['a ⟦', 'not a placeholder⟧ b']).out).toBe('a ⟦not a placeholder⟧ b');
    expect(streamed(['a ⟦PII', '_EM']).out).toBe('a ⟦PII_EM');
    const stream = vault.restoreStream();
    expect(stream.push('x ⟦PII_EMA')).toBe('x ');
    expect(stream.push('IL_1⟧ y')).toBe('ada@example.com y');
  });
});
