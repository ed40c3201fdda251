// A button for a change that cannot be undone (purge, revoke, unpin): the first click arms it, the second acts.
import { useState } from 'preact/hooks';

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
