import type { Run, RunArtifactFile } from '@stellwerk/contracts';
import { useEffect, useState } from 'react';
import { isAbort } from '../../../shared/api/client.ts';
import { useApi } from '../../../shared/api/useApi.ts';
import { EmptyState, ErrorState } from '../../../shared/components/States.tsx';
import { setSearchParams, useSearch } from '../../../shared/router/router.tsx';
import { fetchArtifact, listArtifacts } from '../api/runsApi.ts';
import { formatBytes } from '../format.ts';

/** Bigger files are offered for download only: the browser would choke on showing them. */
const MAX_PREVIEW_BYTES = 2 * 1024 * 1024;
const IMAGE = /\.(png|jpe?g|gif|webp|svg|bmp)$/i;
const TEXT =
  /\.(txt|log|json|jsonl|ya?ml|csv|tsv|md|py|sh|toml|ini|cfg|xml|html|sql|r|ipynb)$|(^|\/)(MLmodel|requirements\.txt|conda\.yaml|Dockerfile)$/i;

/** The run's artifact tree one directory at a time (`?path=`), with images and text shown inline (`?file=`). */
export function RunArtifacts({ run, path }: { run: Run; path: string }) {
  const file = new URLSearchParams(useSearch()).get('file') ?? '';
  const listing = useApi((signal) => listArtifacts(run.runId, path, signal), [run.runId, path]);
  const parts = path ? path.split('/') : [];
  const open = listing.data?.files.find((f) => f.path === file && !f.isDir);

  return (
    <div className="artifacts" data-testid="run-artifacts">
      <section className="panel artifact-list">
        <header className="panel-head">
          <nav className="crumbs" aria-label="Artifact path">
            <button type="button" className="link-btn" onClick={() => setSearchParams({ path: null, file: null })}>
              artifacts
            </button>
            {parts.map((p, i) => (
              <span key={parts.slice(0, i + 1).join('/')}>
                {' / '}
                <button
                  type="button"
                  className="link-btn"
                  onClick={() => setSearchParams({ path: parts.slice(0, i + 1).join('/'), file: null })}
                >
                  {p}
                </button>
              </span>
            ))}
          </nav>
        </header>
        {listing.error && !listing.data ? (
          <ErrorState error={listing.error} retrying={listing.retrying} onRetry={listing.reload} />
        ) : !listing.data ? (
          <div className="loading-rows">Loading artifacts…</div>
        ) : listing.data.files.length === 0 ? (
          <EmptyState title={path ? 'This folder is empty' : 'No artifacts'} testId="empty-artifacts">
            Files logged with <span className="mono">mlflow.log_artifact</span> (plots, models, reports) are listed
            here.
          </EmptyState>
        ) : (
          <ul className="artifact-entries">
            {[...listing.data.files]
              .sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.path.localeCompare(b.path))
              .map((f) => (
                <li key={f.path}>
                  <button
                    type="button"
                    className={`artifact-entry${f.path === file ? ' on' : ''}`}
                    onClick={() => setSearchParams(f.isDir ? { path: f.path, file: null } : { file: f.path })}
                    data-testid="artifact-entry"
                    data-path={f.path}
                  >
                    <span aria-hidden="true">{f.isDir ? '▸' : '·'}</span>
                    <span className="ellipsis mono">{f.path.split('/').pop()}</span>
                    <span className="muted small">{f.isDir ? 'folder' : formatBytes(f.fileSize)}</span>
                  </button>
                </li>
              ))}
          </ul>
        )}
      </section>
      <section className="panel artifact-preview" data-testid="artifact-preview">
        {open ? (
          <Preview key={open.path} runId={run.runId} file={open} />
        ) : (
          <div className="empty muted">Choose a file to see it here.</div>
        )}
      </section>
    </div>
  );
}

type Content = { kind: 'image'; url: string } | { kind: 'text'; text: string } | { kind: 'binary'; blob: Blob };

function Preview({ runId, file }: { runId: string; file: RunArtifactFile }) {
  const tooBig = (file.fileSize ?? 0) > MAX_PREVIEW_BYTES;
  const [content, setContent] = useState<Content | undefined>();
  const [error, setError] = useState<Error | undefined>();

  useEffect(() => {
    if (tooBig) return;
    const ctrl = new AbortController();
    let url: string | undefined;
    fetchArtifact(runId, file.path, ctrl.signal)
      .then(async (res) => {
        const type = res.headers.get('content-type') ?? '';
        if (type.startsWith('image/') || IMAGE.test(file.path)) {
          url = URL.createObjectURL(await res.blob());
          return { kind: 'image', url } as const;
        }
        if (type.startsWith('text/') || type.includes('json') || type.includes('yaml') || TEXT.test(file.path)) {
          const text = await res.text();
          return { kind: 'text', text: prettyJson(file.path, type, text) } as const;
        }
        return { kind: 'binary', blob: await res.blob() } as const;
      })
      .then((c) => {
        if (!ctrl.signal.aborted) setContent(c);
      })
      .catch((e: unknown) => {
        if (!isAbort(e) && !ctrl.signal.aborted) setError(e instanceof Error ? e : new Error(String(e)));
      });
    return () => {
      ctrl.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [runId, file.path, tooBig]);

  const download = async () => {
    const blob = content?.kind === 'binary' ? content.blob : await (await fetchArtifact(runId, file.path)).blob();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = file.path.split('/').pop() ?? 'artifact';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };

  return (
    <>
      <header className="panel-head">
        <span className="mono ellipsis">{file.path}</span>
        <span className="muted">{formatBytes(file.fileSize)}</span>
        <button
          type="button"
          className="btn btn-small right"
          onClick={() => void download()}
          data-testid="artifact-download"
        >
          Download
        </button>
      </header>
      {error ? (
        <ErrorState error={error} />
      ) : tooBig ? (
        <div className="empty muted">Too large to show here ({formatBytes(file.fileSize)}); download it instead.</div>
      ) : !content ? (
        <div className="loading-rows">Loading {file.path}…</div>
      ) : content.kind === 'image' ? (
        <img className="artifact-image" src={content.url} alt={file.path} data-testid="artifact-image" />
      ) : content.kind === 'text' ? (
        <pre className="details-message artifact-text" data-testid="artifact-text">
          {content.text}
        </pre>
      ) : (
        <div className="empty muted">This file type is not shown in the browser; download it to open it.</div>
      )}
    </>
  );
}

function prettyJson(path: string, type: string, text: string): string {
  if (!type.includes('json') && !/\.json$/i.test(path)) return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text; // not valid JSON after all: show it as written
  }
}
