import { useSyncExternalStore } from 'react';

function subscribe(l: () => void): () => void {
  document.addEventListener('visibilitychange', l);
  return () => document.removeEventListener('visibilitychange', l);
}

/** True while the tab is visible; live tail and auto-refresh pause when it is not. */
export function useDocumentVisible(): boolean {
  return useSyncExternalStore(subscribe, () => document.visibilityState !== 'hidden');
}
