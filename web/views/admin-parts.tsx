// Pieces the Admin view's panels share: text inputs bound to state, the module path and version pair,
// the line that reports how a change went, and a button for a change that cannot be undone.
import { useState } from 'preact/hooks';

export type Outcome = { ok: boolean; text: string } | undefined;

/** An onInput handler that keeps the input's text in state. */
export const field = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);

/** `label`: what the pair is for in its aria labels ("module path", "pin module path"). */
export function ModuleVersionInputs(props: { mod: string; version: string; setMod: (v: string) => void; setVersion: (v: string) => void; label?: string }) {
  const prefix = props.label === undefined ? '' : `${props.label} `;
  return (
    <>
      <input value={props.mod} onInput={field(props.setMod)} placeholder="module path" aria-label={`${prefix}module path`} spellcheck={false} />
      <input value={props.version} onInput={field(props.setVersion)} placeholder="version, e.g. v1.2.3" aria-label={`${prefix}version`} spellcheck={false} />
    </>
  );
}

export function OutcomeLine(props: { outcome: Outcome; testId: string }) {
  if (props.outcome === undefined) return null;
  return (
    <p class={props.outcome.ok ? 'ok' : 'error'} data-test={props.testId}>
      {props.outcome.text}
    </p>
  );
}

/** The first click arms it, the second acts. */
export function ConfirmButton(props: { label: string; confirm: string; disabled?: boolean; onConfirm: () => void | Promise<void> }) {
  const [armed, setArmed] = useState(false);
  const click = async () => {
    if (!armed) return setArmed(true);
    setArmed(false);
    await props.onConfirm();
  };
  return (
    <button type="button" class={armed ? 'danger' : ''} disabled={props.disabled} onClick={click} onBlur={() => setArmed(false)}>
      {armed ? props.confirm : props.label}
    </button>
  );
}
