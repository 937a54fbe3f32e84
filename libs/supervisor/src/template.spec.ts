import { renderTemplate } from './template';

describe('renderTemplate', () => {
  const vars = { port: 8123, base_url: '/d1/' };

  it.each([
    ['--port={port}', '--port=8123'],
    ['{base_url}proxy/{port}/', '/d1/proxy/8123/'],
    ['{port}{port}', '81238123'],
    ['{unknown} and {} and {{port}}', '{unknown} and {} and {8123}'],
    ['no placeholders', 'no placeholders'],
  ])('renders %j as %j', (input, expected) => {
    expect(renderTemplate(input, vars)).toBe(expected);
  });

  it('renders each element of an array', () => {
    expect(renderTemplate(['python3', '-m', 'http.server', '{port}'], vars)).toEqual([
      'python3',
      '-m',
      'http.server',
      '8123',
    ]);
  });

  it('renders keys and values of a record', () => {
    expect(renderTemplate({ URL: 'http://127.0.0.1:{port}{base_url}', 'KEY_{port}': 'x' }, vars)).toEqual({
      URL: 'http://127.0.0.1:8123/d1/',
      KEY_8123: 'x',
    });
  });
});
