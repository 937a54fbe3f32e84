import type { JsonValue, MimeBundle, Output } from '@d1/client';
import { memo } from 'preact/compat';
import { ansiToHtml, markdownToHtml, sanitize, tailLines } from './render-text';

/** Mime types in the order Jupyter prefers them; JavaScript outputs are never run here. */
const ORDER = [
  'text/html',
  'image/svg+xml',
  'image/png',
  'image/jpeg',
  'image/gif',
  'text/markdown',
  'application/json',
  'text/latex',
  'text/plain',
];

const TRUNCATION = /^\n?\[d1: output truncated: [^\]]*\]\n?$/;

/** A code cell's outputs as Jupyter shows them. */
export const Outputs = memo(function Outputs({ outputs }: { outputs: Output[] }) {
  if (outputs.length === 0) return null;
  return (
    <div class="outputs">
      {outputs.map((o, i) => (
        <OutputView key={i} output={o} />
      ))}
    </div>
  );
});

const OutputView = memo(function OutputView({ output }: { output: Output }) {
  switch (output.output_type) {
    case 'stream':
      if (output.name === 'stderr' && TRUNCATION.test(output.text))
        return (
          <div class="out-truncated" role="note">
            {output.text.trim()}
          </div>
        );
      return <StreamView name={output.name} text={output.text} />;
    case 'error':
      return (
        <pre
          class="out-error"
          dangerouslySetInnerHTML={{ __html: ansiToHtml(output.traceback.join('\n')) }}
        />
      );
    default:
      return <MimeView data={output.data} />;
  }
});

function StreamView({ name, text }: { name: string; text: string }) {
  const shown = tailLines(text);
  return (
    <div class={`out-stream out-${name}`}>
      {shown.hidden > 0 && (
        <div class="out-hidden-lines">… {shown.hidden.toLocaleString('en')} earlier lines not shown</div>
      )}
      <pre dangerouslySetInnerHTML={{ __html: ansiToHtml(shown.text) }} />
    </div>
  );
}

function MimeView({ data }: { data: MimeBundle }) {
  const mime = ORDER.find((m) => m in data);
  if (!mime) return <pre class="out-plain muted">[output of type {Object.keys(data).join(', ')}]</pre>;
  const value = data[mime];
  const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join('') : '';
  switch (mime) {
    case 'text/html':
      return <div class="out-html" dangerouslySetInnerHTML={{ __html: sanitize(text) }} />;
    case 'image/svg+xml':
      return (
        <img
          class="out-image"
          alt="SVG output"
          src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`}
        />
      );
    case 'image/png':
    case 'image/jpeg':
    case 'image/gif':
      return (
        <img class="out-image" alt="image output" src={`data:${mime};base64,${text.replace(/\s/g, '')}`} />
      );
    case 'text/markdown':
      return <div class="out-markdown markdown" dangerouslySetInnerHTML={{ __html: markdownToHtml(text) }} />;
    case 'application/json':
      return <pre class="out-json">{JSON.stringify(value as JsonValue, null, 2)}</pre>;
    default:
      return <pre class="out-plain" dangerouslySetInnerHTML={{ __html: ansiToHtml(text) }} />;
  }
}
