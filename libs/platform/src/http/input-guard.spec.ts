import { inputProblem, unstorableText } from './input-guard';

describe('input guard', () => {
  it('accepts valid Unicode, surrogate pairs included', () => {
    expect(unstorableText('张伟 😀 \ud83d\ude00 é')).toBeUndefined();
    expect(inputProblem({ a: ['x', { b: '😀' }], c: 1, d: null, e: true })).toBeUndefined();
  });

  it('names lone surrogates (high or low, at either end) and NUL', () => {
    for (const text of ['\ud800', 'a\ud800', '\udc00a', '\udbff\udbff\udc00\udc00']) expect(unstorableText(text)).toMatch(/lone UTF-16 surrogate/);
    expect(unstorableText('a\u0000')).toBe('contains a NUL character');
  });

  it('names the field by path as the validation pipe does, without the value', () => {
    expect(inputProblem({ data: { contact: { email: 'a\ud800' } } })).toEqual({ path: 'data.contact.email', message: expect.stringMatching(/surrogate/) });
    expect(inputProblem({ consents: [{ purposeId: 'ok' }, { purposeId: '\u0000' }] })).toEqual({ path: 'consents[1].purposeId', message: 'contains a NUL character' });
    expect(inputProblem({ data: { '\udfff': 1 } })).toEqual({ path: 'data', message: expect.stringMatching(/field name/) });
    expect(inputProblem('\u0000')).toEqual({ path: 'body', message: 'contains a NUL character' });
  });

  it('refuses nesting past the limit without recursion, however deep', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(inputProblem({ data: deep })).toMatchObject({ message: 'is nested deeper than 32 levels' });
    let ok: unknown = 1;
    for (let i = 0; i < 32; i++) ok = { a: ok };
    expect(inputProblem(ok)).toBeUndefined();
    expect(inputProblem({ a: ok })).toMatchObject({ message: 'is nested deeper than 32 levels' });
  });
});
