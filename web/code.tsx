// A block of text to copy (go env lines, CI snippets, a new token's secret) with a copy button beside it.
import { useState } from 'preact/hooks';

function Copy(props: { text: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    // The clipboard API exists on secure origins (https, localhost) only; elsewhere the text stays selectable.
    await navigator.clipboard?.writeText(props.text).then(
      () => setDone(true),
      () => undefined,
    );
    setTimeout(() => setDone(false), 1500);
  };
  return (
    <button type="button" class="copy" onClick={copy}>
      {done ? 'copied' : 'copy'}
    </button>
  );
}

export function Code(props: { text: string; testId?: string }) {
  return (
    <div class="code">
      <pre data-test={props.testId}>{props.text}</pre>
      <Copy text={props.text} />
    </div>
  );
}
